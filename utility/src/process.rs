//! State shared by every copy of mammo's code in one process.
//!
//! In a notebook, evcxr links mammo statically into every cell's shared library, so each cell
//! carries its own copy of each `static` in mammo. A cache kept in a plain `static` would be one
//! cache per cell: what one cell computed is computed again in the next, and every cell's copy
//! keeps its memory until the kernel exits. [`shared`] gives every copy the same value instead:
//! the first copy to need it leaks one and publishes its address, with the process id, in an
//! environment variable, the one table all copies of the code in a process see; the other copies
//! find it there.
//!
//! - A child process inherits the variable but not the memory: the process id must match.
//! - The variable's name carries a hash of the value's type name and size and of the source of
//!   the module that defines it (its caller passes `include_str!` of its own file), so a copy
//!   built from another definition (mammo rebuilt while a kernel runs) never reads the address
//!   with its own layout.
//!
//! No crate does this: evcxr's own answer is to build dependencies as shared libraries
//! (`allow_static_linking = false`), which fails with the current toolchain (docs/PERFORMANCE.md,
//! notebook latency). Outside a notebook there is one copy, and [`shared`] is a plain lazy static.
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

/// The process's one value for `name`, made by `make` on first use. `local` is the calling
/// copy's own memo (a `static OnceLock` at the call site), `source` the defining module's source
/// (`include_str!(...)`), which names the value's layout together with its type.
///
/// Only in an evcxr kernel (`EVCXR_IS_RUNTIME` set) is the value published: that is where the
/// copies are, and nowhere else is the process's environment written (a write while another
/// thread reads the environment is a data race in glibc). mammo's notebooks make the values in
/// their environment cell ([`crate::experiment::notebook::env_cell`]), before any training runs.
pub fn shared<T: Send + Sync + 'static>(
    local: &'static OnceLock<&'static T>,
    name: &str,
    source: &str,
    make: impl FnOnce() -> T,
) -> &'static T {
    shared_in(local, name, source, make, in_evcxr_kernel())
}

/// Whether this process is an evcxr kernel (a notebook): evcxr sets `EVCXR_IS_RUNTIME` in it.
pub fn in_evcxr_kernel() -> bool {
    std::env::var_os("EVCXR_IS_RUNTIME").is_some()
}

/// [`shared`], publishing the value for other copies or not.
fn shared_in<T: Send + Sync + 'static>(
    local: &'static OnceLock<&'static T>,
    name: &str,
    source: &str,
    make: impl FnOnce() -> T,
    publish: bool,
) -> &'static T {
    local.get_or_init(|| {
        if !publish {
            return Box::leak(Box::new(make()));
        }
        let var = anchor_name::<T>(name, source);
        if let Some(addr) = std::env::var(&var)
            .ok()
            .and_then(|v| anchor_address(&v, std::process::id()))
        {
            // SAFETY: the address was published below by `Box::leak` in this process (the process
            // id matched), for a `T` of this name, type and source (the variable's name), so it
            // points to a live `T` of this layout that is never freed; `T: Sync` makes the shared
            // reference safe to use from any thread.
            return unsafe { &*(addr as *const T) };
        }
        let leaked: &'static T = Box::leak(Box::new(make()));
        // Set once per value and process, from the first cell that needs it.
        std::env::set_var(
            &var,
            format!("{}:{:x}", std::process::id(), leaked as *const T as usize),
        );
        leaked
    })
}

/// `MAMMO_SHARED_<NAME>_<hash of the type's name and size and of the source>`.
fn anchor_name<T>(name: &str, source: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::any::type_name::<T>().hash(&mut h);
    std::mem::size_of::<T>().hash(&mut h);
    std::mem::align_of::<T>().hash(&mut h);
    source.hash(&mut h);
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("MAMMO_SHARED_{name}_{:016x}", h.finish())
}

/// The address in an anchor value `<pid>:<hex address>`, when it was published by process `pid`.
fn anchor_address(value: &str, pid: u32) -> Option<usize> {
    let (p, a) = value.split_once(':')?;
    (p.parse::<u32>().ok()? == pid)
        .then(|| usize::from_str_radix(a, 16).ok())
        .flatten()
        .filter(|&a| a != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn an_anchor_is_used_only_in_the_process_that_made_it() {
        let pid = std::process::id();
        assert_eq!(
            anchor_address(&format!("{pid}:7f00beef"), pid),
            Some(0x7f00_beef)
        );
        // Inherited by a child process: another pid, never used.
        assert_eq!(anchor_address(&format!("{}:7f00beef", pid + 1), pid), None);
        for bad in [
            "",
            "7f00beef",
            &format!("{pid}:"),
            &format!("{pid}:0"),
            &format!("{pid}:xyz"),
        ] {
            assert_eq!(anchor_address(bad, pid), None, "{bad}");
        }
    }

    #[test]
    fn a_second_copy_finds_the_first_copys_value() {
        static FIRST: OnceLock<&'static Mutex<Vec<u32>>> = OnceLock::new();
        // A second copy of the code has its own memo: the same call site, another `static`.
        static SECOND: OnceLock<&'static Mutex<Vec<u32>>> = OnceLock::new();
        let source = "struct Vec<u32> as the test defines it";
        let a = shared_in(&FIRST, "test list", source, || Mutex::new(vec![1]), true);
        a.lock().unwrap().push(2);
        let b = shared_in(&SECOND, "test list", source, || Mutex::new(vec![99]), true);
        assert!(std::ptr::eq(a, b));
        assert_eq!(*b.lock().unwrap(), [1, 2]);
        // Another source (another definition), another type or another name: another value.
        static OTHER: OnceLock<&'static Mutex<Vec<u32>>> = OnceLock::new();
        let c = shared_in(&OTHER, "test list", "changed", || Mutex::new(vec![3]), true);
        assert!(!std::ptr::eq(a, c));
        assert_ne!(
            anchor_name::<Mutex<Vec<u32>>>("x", source),
            anchor_name::<Mutex<Vec<u64>>>("x", source)
        );
        assert_ne!(
            anchor_name::<u8>("x", source),
            anchor_name::<u8>("y", source)
        );
        assert!(anchor_name::<u8>("test list", source).starts_with("MAMMO_SHARED_TEST_LIST_"));
    }

    #[test]
    fn outside_a_kernel_nothing_is_published() {
        static ONE: OnceLock<&'static Mutex<u8>> = OnceLock::new();
        static TWO: OnceLock<&'static Mutex<u8>> = OnceLock::new();
        let source = "unpublished";
        let a = shared_in(&ONE, "private", source, || Mutex::new(1), false);
        assert!(std::env::var_os(anchor_name::<Mutex<u8>>("private", source)).is_none());
        // Another copy would make its own; the memo keeps each copy's value.
        let b = shared_in(&TWO, "private", source, || Mutex::new(2), false);
        assert!(!std::ptr::eq(a, b));
        assert!(std::ptr::eq(
            shared_in(&ONE, "private", source, || Mutex::new(3), false),
            a
        ));
    }
}

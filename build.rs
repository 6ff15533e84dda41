// Bake libtorch's lib directory into the binaries' rpath, so `mammo` runs without
// LD_LIBRARY_PATH, and tell the launcher where that directory is.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let dir = std::env::var("DEP_TCH_LIBTORCH_LIB").unwrap_or_default();
    if !dir.is_empty() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    println!("cargo:rustc-env=MAMMO_LIBTORCH_LIB={dir}");
}

//! The library's architecture, checked: its modules are grouped in layers (docs/ARCHITECTURE.md),
//! each layer imports only from the layers below it, the modules of a layer do not import each
//! other in a circle, and no library file is longer than 600 lines.
//!
//! Imports are read from the source text: every `crate::a::b` path (in `use` lines and inline)
//! and every `super::x` path, outside comments and test modules. A glob `use super::*` (a
//! module's children reading their parent's re-exports) is not an edge between siblings.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom to top. The foundation (`error`, `fsx`, `tensor`, `rng`, `display`, `process`) is layer 0.
const LAYERS: &[(&str, usize)] = &[
    ("error", 0),
    ("fsx", 0),
    ("tensor", 0),
    ("rng", 0),
    ("display", 0),
    ("process", 0),
    ("runtime", 1),
    ("data", 2),
    ("transforms", 3),
    ("metrics", 4),
    ("models", 5),
    ("train", 6),
    ("eval", 7),
    ("report", 8),
    ("experiment", 9),
];

const MAX_LINES: usize = 600;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("utility/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `train/fit.rs` -> ["train", "fit"]; `train/mod.rs` -> ["train"]; `lib.rs` -> [].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

fn is_test_module(path: &[String]) -> bool {
    path.iter().any(|p| p == "tests")
}

/// The code of a file without comments, string contents and `#[cfg(test)] mod tests { .. }`.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        if t.starts_with("#[cfg(test)]") {
            if let Some(next) = lines.peek() {
                if next.trim_start().starts_with("mod tests {") {
                    // Skip the whole inline test module by brace depth.
                    let mut depth = 0i32;
                    for l in lines.by_ref() {
                        depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                        if depth <= 0 && l.contains('}') {
                            break;
                        }
                    }
                    continue;
                }
            }
        }
        // Drop string literals (their text is not code) and trailing comments.
        let mut in_str = false;
        let mut prev = ' ';
        let mut kept = String::new();
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                if c == '/' && prev == '/' {
                    kept.pop();
                    break;
                }
                kept.push(c);
            }
            prev = c;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Paths after `crate::` or `super::` in the code, as segment lists (`{...}` groups expanded one
/// level: `crate::a::{b, c::d}` gives `a::b` and `a::c::d`).
fn referenced_paths(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let needle = format!("{prefix}::");
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(pos) = code[i..].find(&needle) {
        let start = i + pos;
        i = start + needle.len();
        // Not part of a longer path (`x::super::`) or identifier (`supercrate::`).
        if start > 0 {
            let b = bytes[start - 1];
            if b == b':' || b.is_ascii_alphanumeric() || b == b'_' {
                continue;
            }
        }
        let rest = &code[i..];
        let mut path: Vec<String> = Vec::new();
        let mut chars = rest.char_indices().peekable();
        let mut seg = String::new();
        let mut group_at = None;
        while let Some((k, c)) = chars.next() {
            if c.is_ascii_alphanumeric() || c == '_' {
                seg.push(c);
            } else if c == ':' && chars.peek().map(|x| x.1) == Some(':') {
                chars.next();
                path.push(std::mem::take(&mut seg));
                if chars.peek().map(|x| x.1) == Some('{') {
                    group_at = Some(k + 3);
                    break;
                }
            } else {
                break;
            }
        }
        if !seg.is_empty() {
            path.push(seg);
        }
        match group_at {
            Some(g) => {
                let end = rest[g..].find('}').map(|e| g + e).unwrap_or(rest.len());
                for item in rest[g..end].split(',') {
                    let mut p = path.clone();
                    p.extend(
                        item.split("::")
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty() && s != "*" && s != "self"),
                    );
                    out.push(p);
                }
            }
            None => out.push(path),
        }
    }
    out
}

struct Crate {
    /// Module path -> file (relative) for every library file.
    files: BTreeMap<Vec<String>, PathBuf>,
}

impl Crate {
    fn read() -> Crate {
        let root = src_dir();
        let mut all = Vec::new();
        rust_files(&root, &mut all);
        let files = all
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(&root).unwrap().to_path_buf();
                (module_path(&rel), rel)
            })
            .collect();
        Crate { files }
    }

    /// The longest prefix of `path` that is a module of the crate.
    fn module_of(&self, path: &[String]) -> Vec<String> {
        (0..=path.len())
            .rev()
            .map(|k| path[..k].to_vec())
            .find(|p| self.files.contains_key(p))
            .unwrap_or_default()
    }

    /// The modules a library file refers to (explicitly: crate paths and super paths).
    fn dependencies(&self, module: &[String]) -> BTreeSet<Vec<String>> {
        let rel = &self.files[module];
        let text = std::fs::read_to_string(src_dir().join(rel)).unwrap();
        let code = code_of(&text);
        let mut deps = BTreeSet::new();
        for p in referenced_paths(&code, "crate") {
            deps.insert(self.module_of(&p));
        }
        // `super` in a file is its parent module (a `mod.rs` file's parent too: Rust's rule).
        let parent = &module[..module.len().saturating_sub(1)];
        for p in referenced_paths(&code, "super") {
            let mut full = parent.to_vec();
            full.extend(p);
            let m = self.module_of(&full);
            // `use super::Item` reads the parent's facade; only a named sibling is an edge.
            if m.len() > parent.len() {
                deps.insert(m);
            }
        }
        deps.remove(module);
        deps.remove(&Vec::<String>::new());
        deps
    }
}

fn rank(module: &[String]) -> Option<usize> {
    let top = module.first()?;
    LAYERS.iter().find(|(n, _)| n == top).map(|&(_, r)| r)
}

#[test]
fn every_library_module_belongs_to_a_layer() {
    let c = Crate::read();
    let orphans: Vec<_> = c
        .files
        .keys()
        .filter(|m| !m.is_empty() && rank(m).is_none())
        .map(|m| m.join("::"))
        .collect();
    assert!(
        orphans.is_empty(),
        "modules outside the layers: {orphans:?}"
    );
}

#[test]
fn layers_import_only_from_the_layers_below() {
    let c = Crate::read();
    let mut upward = Vec::new();
    let mut edges = 0;
    for m in c
        .files
        .keys()
        .filter(|m| !m.is_empty() && !is_test_module(m))
    {
        let r = rank(m).unwrap();
        for d in c.dependencies(m) {
            edges += 1;
            if let Some(rd) = rank(&d) {
                if rd > r {
                    upward.push(format!(
                        "{} (layer {r}) -> {} (layer {rd})",
                        m.join("::"),
                        d.join("::")
                    ));
                }
            }
        }
    }
    // The reader must see the imports at all, or the check proves nothing.
    assert!(
        edges > 150,
        "only {edges} imports found: is the parser broken?"
    );
    assert!(
        upward.is_empty(),
        "imports from a higher layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn modules_do_not_import_each_other_in_a_circle() {
    let c = Crate::read();
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = c
        .files
        .keys()
        .filter(|m| !m.is_empty() && !is_test_module(m))
        .map(|m| (m.clone(), c.dependencies(m)))
        .collect();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        m: &Vec<String>,
        g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
        found: &mut Vec<String>,
    ) {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for d in g.get(m).into_iter().flatten() {
            match state.get(d).copied().unwrap_or(0) {
                0 => visit(d, g, state, stack, found),
                1 => {
                    let at = stack.iter().position(|x| x == d).unwrap();
                    let circle: Vec<String> = stack[at..].iter().map(|x| x.join("::")).collect();
                    found.push(format!("{} -> {}", circle.join(" -> "), d.join("::")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for m in graph.keys() {
        if !state.contains_key(m) {
            visit(m, &graph, &mut state, &mut Vec::new(), &mut found);
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn no_library_file_is_longer_than_600_lines() {
    let c = Crate::read();
    let long: Vec<String> = c
        .files
        .values()
        .filter_map(|rel| {
            let n = std::fs::read_to_string(src_dir().join(rel))
                .unwrap()
                .lines()
                .count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", rel.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

/// The checker itself: it finds an upward import and a circle when there is one.
#[test]
fn the_reader_finds_paths_in_use_lines_groups_and_inline_calls() {
    let code = code_of(
        "use crate::data::{dataset::Dataset, tasks};\n\
         // use crate::experiment::run;\n\
         fn f() { crate::eval::gradcam::grad_cam(); let s = \"crate::report::x\"; }\n\
         use super::checkpoint::snapshot;\n\
         #[cfg(test)]\nmod tests {\n    use crate::experiment::run;\n}\n",
    );
    let crate_paths = referenced_paths(&code, "crate");
    let joined: Vec<String> = crate_paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        [
            "data::dataset::Dataset",
            "data::tasks",
            "eval::gradcam::grad_cam"
        ]
    );
    let sup: Vec<String> = referenced_paths(&code, "super")
        .iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(sup, ["checkpoint::snapshot"]);
}

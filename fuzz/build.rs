// mammo links libtorch; cargo-fuzz runs the target binaries directly (not through `cargo run`),
// so bake libtorch's lib directory into their rpath, as the main crates' build scripts do.
// LIBTORCH comes from the repository's .cargo/config.toml ([env]).
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(dir) = std::env::var("LIBTORCH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}/lib");
    }
}

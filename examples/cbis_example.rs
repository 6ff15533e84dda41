//! Write the miniature CBIS-DDSM download (mammo::data::import::cbis::example) to try
//! `mammo import cbis-ddsm` without the archive:
//!
//!     cargo run --example cbis_example -- /tmp/cbis        # 320 x 480 mammograms
//!     cargo run --example cbis_example -- /tmp/cbis 10     # 3200 x 4800, CBIS-DDSM's size
//!     mammo import cbis-ddsm --root /tmp/cbis --out /tmp/cbis-course
fn main() -> mammo::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = args
        .next()
        .ok_or_else(|| mammo::Error::invalid("usage", "cbis_example DIR [SCALE]"))?;
    let k: usize = args.next().map(|s| s.parse().unwrap_or(1)).unwrap_or(1);
    let lesions =
        mammo::data::import::cbis::example::write_example_scaled(std::path::Path::new(&root), k)?;
    println!(
        "wrote {root}: {} lesions on 3 mammograms ({}x{}), 1 row with missing files",
        lesions.len(),
        320 * k,
        480 * k
    );
    Ok(())
}

//! Write a small tree of labelled images (mammo::data::import::folder::example: PNG, PGM, TIFF
//! and DICOM, 8- and 16-bit, three sizes, a broken file and other files) to try
//! `mammo import folder` and the `labels` task without images of one's own:
//!
//!     cargo run --example folder_example -- /tmp/tree                 # 3 classes, 40 + 10 each
//!     cargo run --example folder_example -- /tmp/tree 100 20 benign malignant
//!     mammo import folder --root /tmp/tree --out /tmp/tree-ds
//!     mammo train --data /tmp/tree-ds --task labels --model scratch --out runs/tree
fn main() -> mammo::Result<()> {
    let usage = || {
        mammo::Error::invalid(
            "usage",
            "folder_example DIR [TRAIN_PER_CLASS [TEST_PER_CLASS [CLASS...]]]",
        )
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = args.first().ok_or_else(usage)?;
    let num = |i: usize, default: usize| -> mammo::Result<usize> {
        args.get(i)
            .map_or(Ok(default), |s| s.parse().map_err(|_| usage()))
    };
    let (train, test) = (num(1, 40)?, num(2, 10)?);
    let classes: Vec<&str> = if args.len() > 3 {
        args[3..].iter().map(String::as_str).collect()
    } else {
        vec!["disc", "dots", "stripes"]
    };
    let images = mammo::data::import::folder::example::write_example(
        std::path::Path::new(root),
        &classes,
        train,
        test,
        42,
    )?;
    println!(
        "wrote {root}: {} images of {} classes ({}), {train} training and {test} test images each",
        images.len(),
        classes.len(),
        classes.join(", ")
    );
    Ok(())
}

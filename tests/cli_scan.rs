//! `mammo scan` end to end: a smoke-trained scratch run slid over a full-size 16-bit DICOM
//! mammogram (CBIS-DDSM's size, written by dicom-rs) and over a PNG; heat map, top windows,
//! and the errors for a pair model and for an unreadable image.
mod common;

use mammo::data::import::cbis::example::write_example_scaled;
use std::path::Path;

fn trained(dir: &Path, task: &str, model: &str) -> std::path::PathBuf {
    let data = common::test_data("cli-scan", 0.03, 9);
    let run = dir.join(format!("{task}-{model}"));
    let o = common::train(
        &data,
        &run,
        &["--task", task, "--model", model, "--seed", "3"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    run
}

#[test]
fn scan_writes_a_heat_map_and_the_top_windows_of_a_full_size_mammogram() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained(tmp.path(), "mass-calc", "scratch");
    // The example's first mammogram at 10x: 3200 x 4800, 16-bit, tissue right of x = 1100.
    write_example_scaled(&tmp.path().join("dl"), 10).unwrap();
    let image = std::fs::read_dir(
        tmp.path()
            .join("dl/CBIS-DDSM/Mass-Training_P_00001_LEFT_CC"),
    )
    .unwrap()
    .flat_map(|s| std::fs::read_dir(s.unwrap().path()).unwrap())
    .map(|s| s.unwrap().path().join("1-1.dcm"))
    .next()
    .unwrap();
    let out = tmp.path().join("heat.png");
    let o = common::run_ok(
        common::mammo()
            .args(["scan", "--json", "--window", "400", "--top", "5", "--run"])
            .arg(&run)
            .arg("--image")
            .arg(&image)
            .arg("--out")
            .arg(&out),
    );
    let j: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(j["size"], serde_json::json!([3200, 4800]));
    assert_eq!(j["stride"], 200);
    // Starts 0..=2800 by 200 (15 columns) and 0..=4400 by 200 (23 rows); the background
    // columns (window mostly left of x = 1100) are skipped.
    let (scored, skipped) = (
        j["scored"].as_u64().unwrap(),
        j["skipped_background"].as_u64().unwrap(),
    );
    assert_eq!(scored + skipped, 15 * 23);
    assert!(
        skipped >= 4 * 23 && scored >= 9 * 23,
        "scored {scored}, skipped {skipped}"
    );
    let top = j["top"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    for w in top {
        assert!(
            w["x"].as_u64().unwrap() + 200 >= 1100,
            "a background window was scored: {w}"
        );
        let p = w["probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    // The picture: the image downsampled to at most 1024 on its long side, RGB.
    let d = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let info = d.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (640, 960)); // 3200 x 4800 in tiles of 5
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let csv = std::fs::read_to_string(tmp.path().join("heat.csv")).unwrap();
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.starts_with("rank,x,y,side,probability,breast_fraction\n"));

    // A grey PNG works too; a Siamese run is refused; a text file is refused by name.
    let pngf = tmp.path().join("m.png");
    let px: Vec<u8> = (0..600 * 400)
        .map(|i| {
            if i % 600 < 200 {
                5
            } else {
                150 + (i % 7) as u8
            }
        })
        .collect();
    mammo::display::encode_gray_png(600, 400, &px)
        .unwrap()
        .save(&pngf)
        .unwrap();
    common::run_ok(
        common::mammo()
            .args(["scan", "--window", "200", "--run"])
            .arg(&run)
            .arg("--image")
            .arg(&pngf)
            .arg("--out")
            .arg(tmp.path().join("p.png")),
    );
    assert!(tmp.path().join("p.csv").is_file());
    let siamese = trained(tmp.path(), "siamese", "siamese");
    let scan = |run: &Path, image: &Path| {
        let mut c = common::mammo();
        c.args(["scan", "--run"]).arg(run).arg("--image").arg(image);
        c.arg("--out").arg(tmp.path().join("refused.png"));
        common::run_bad_input(&mut c)
    };
    let e = scan(&siamese, &pngf);
    assert!(e.contains("single-image binary model"), "{e}");
    let txt = tmp.path().join("notes.txt");
    std::fs::write(&txt, "not an image").unwrap();
    let e = scan(&run, &txt);
    assert!(
        e.contains("notes.txt") && e.contains("not a DICOM, PNG, TIFF or PGM"),
        "{e}"
    );
}

//! Rich output for notebooks. evcxr shows a value returned at the end of a cell by calling its
//! `evcxr_display` method, which prints `EVCXR_BEGIN_CONTENT <mime>` blocks. Figures are emitted as
//! `image/svg+xml` (and images as `image/png`), which survive nbconvert's HTML export.
use crate::error::Result;
use base64::Engine as _;
use ndarray::ArrayView2;
use std::path::Path;

/// Whether this process runs inside an evcxr kernel.
pub fn in_notebook() -> bool {
    crate::process::in_evcxr_kernel()
}

fn emit(mime: &str, body: &str) {
    println!("EVCXR_BEGIN_CONTENT {mime}\n{body}\nEVCXR_END_CONTENT");
}

/// An SVG figure (a chart, or an image grid with captions).
#[derive(Debug, Clone)]
pub struct Figure {
    pub svg: String,
    pub width: u32,
    pub height: u32,
}

impl Figure {
    pub fn new(svg: String, width: u32, height: u32) -> Self {
        Figure { svg, width, height }
    }
    /// Show the figure inline (in a notebook); does nothing elsewhere.
    pub fn show(&self) {
        if in_notebook() {
            self.evcxr_display();
        }
    }
    /// Called by evcxr when the figure is the value of a cell.
    pub fn evcxr_display(&self) {
        emit("image/svg+xml", &self.svg);
    }
    /// Save as an `.svg` file (atomically).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fsx::write_bytes_atomic(path, self.svg.as_bytes())
    }
}

/// A PNG image (already encoded).
#[derive(Debug, Clone)]
pub struct PngImage {
    pub bytes: Vec<u8>,
}

impl PngImage {
    pub fn evcxr_display(&self) {
        emit(
            "image/png",
            &base64::engine::general_purpose::STANDARD.encode(&self.bytes),
        );
    }
    pub fn show(&self) {
        if in_notebook() {
            self.evcxr_display();
        }
    }
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fsx::write_bytes_atomic(path, &self.bytes)
    }
    /// A data URI, to embed in SVG or HTML.
    pub fn data_uri(&self) -> String {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&self.bytes)
        )
    }
}

/// A fragment of HTML (tables, notices).
#[derive(Debug, Clone)]
pub struct Html(pub String);

impl Html {
    pub fn evcxr_display(&self) {
        emit("text/html", &self.0);
    }
    pub fn show(&self) {
        if in_notebook() {
            self.evcxr_display();
        }
    }
}

/// A status line ("reusing the saved run ...", an epoch's summary): under the cell in a
/// notebook (stdout), on stderr elsewhere, so that a command's stdout holds only its results.
pub fn status(msg: &str) {
    if in_notebook() {
        println!("{msg}");
    } else {
        eprintln!("{msg}");
    }
}

/// Show a loud notice: a coloured box in a notebook, a line on stderr elsewhere.
pub fn notice(msg: &str) {
    if in_notebook() {
        Html(format!(
            "<div style=\"border:2px solid #c60;background:#fff3e0;padding:6px 10px;margin:4px 0\"><b>Notice:</b> {}</div>",
            html_escape(msg)
        ))
        .evcxr_display();
    }
    eprintln!("NOTICE: {msg}");
}

/// Escape text for HTML.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Encode an 8-bit grayscale image (row-major, `width*height` bytes) as PNG.
pub fn encode_gray_png(width: u32, height: u32, pixels: &[u8]) -> Result<PngImage> {
    encode_png(width, height, pixels, png::ColorType::Grayscale)
}

/// Encode an 8-bit RGB image (row-major, `3*width*height` bytes) as PNG.
pub fn encode_rgb_png(width: u32, height: u32, pixels: &[u8]) -> Result<PngImage> {
    encode_png(width, height, pixels, png::ColorType::Rgb)
}

fn encode_png(width: u32, height: u32, pixels: &[u8], color: png::ColorType) -> Result<PngImage> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, width, height);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| crate::Error::Other(format!("PNG encoding failed: {e}")))?;
        w.write_image_data(pixels)
            .map_err(|e| crate::Error::Other(format!("PNG encoding failed: {e}")))?;
    }
    Ok(PngImage { bytes })
}

/// How 16-bit pixels are mapped to the 8-bit display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// Each image stretched from its own min to max (matplotlib's default).
    Auto,
    /// Fixed window, as fractions of 65535.
    Fixed(f64, f64),
}

/// 16-bit image to 8-bit display pixels.
pub fn to_display(img: ArrayView2<u16>, window: Window) -> Vec<u8> {
    let (lo, hi) = match window {
        Window::Auto => {
            let (a, b) = img
                .iter()
                .fold((u16::MAX, 0u16), |(a, b), &v| (a.min(v), b.max(v)));
            (a as f64, b as f64)
        }
        Window::Fixed(a, b) => (a * 65535.0, b * 65535.0),
    };
    let span = (hi - lo).max(1.0);
    img.iter()
        .map(|&v| (((v as f64 - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
}

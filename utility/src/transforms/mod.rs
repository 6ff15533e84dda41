//! Layer 3, the transforms: what changes pixels. Intensity transforms ([`intensity`]: the
//! normalisation to [0, 1], contrast as TensorFlow's `adjust_contrast`, CLAHE as scikit-image's
//! `equalize_adapthist`) and spatial augmentation ([`augment`]: flips, 90-degree and free
//! rotations, seeded). Depends on the data layer.
pub mod augment;
pub mod intensity;

//! Layer 5, the models: the networks of the seed. The CNN from scratch (§4, [`ScratchCnn`]), the
//! Siamese network (§6, [`SiameseNet`]), the frozen pretrained backbones ([`backbones`]: VGG16 and
//! InceptionV3 with torchvision's structure and weights) with their adapter and MLP head
//! ([`pretrained`], §5), the frozen-feature cache ([`featcache`]) and Keras-style summaries.
//! Each model is a named type built from a config struct with defaults, so it persists between
//! notebook cells. Depends on the runtime (device, precision) and the data layer (patch size).
pub mod backbones;
pub mod featcache;
mod network;
pub mod pretrained;
mod scratch;
mod siamese;
mod summary;

pub use network::Network;
pub use scratch::{ScratchCnn, ScratchConfig, Tower};
pub use siamese::{SiameseConfig, SiameseNet};
pub use summary::{count_params, thousands, LayerRow, Summary};

#[cfg(test)]
mod tests;

//! Layer 1, the runtime: where and how computation happens. The device (CPU or CUDA, and loading
//! libtorch's CUDA part), the compute precision and memory layout, the run profile with the
//! project's folders, and the environment report (`mammo doctor`). Depends only on the
//! foundation (`error`, `fsx`, `tensor`, `display`).
pub mod device;
pub mod doctor;
pub mod precision;
pub mod profile;

//! Conversions between tensors and plain Rust values.
use crate::error::Result;
use tch::{Device, Kind, Tensor};

/// All elements of a tensor (any device, any numeric kind), flattened, as `f64`.
pub fn tensor_to_vec(t: &Tensor) -> Result<Vec<f64>> {
    let flat = t
        .detach()
        .to_device(Device::Cpu)
        .to_kind(Kind::Double)
        .flatten(0, -1)
        .contiguous();
    Ok(Vec::<f64>::try_from(&flat)?)
}

/// All elements of a tensor as `f32`.
pub fn tensor_to_vec_f32(t: &Tensor) -> Result<Vec<f32>> {
    let flat = t
        .detach()
        .to_device(Device::Cpu)
        .to_kind(Kind::Float)
        .flatten(0, -1)
        .contiguous();
    Ok(Vec::<f32>::try_from(&flat)?)
}

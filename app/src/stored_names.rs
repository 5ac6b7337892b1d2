//! Test checks for the enums stored and sent by name, whose names strum derives: what the
//! database holds must never change with a renamed variant, and serde must agree with strum.

use serde::Serialize;
use strum::VariantArray;

/// Every name of `T`, in the order of its variants.
pub fn stored_names<T>() -> Vec<&'static str>
where
    T: VariantArray + Copy + Into<&'static str>,
{
    T::VARIANTS.iter().map(|&variant| variant.into()).collect()
}

/// Panics unless serde writes each variant of `T` as its strum name.
pub fn assert_serde_uses_stored_names<T>()
where
    T: VariantArray + Copy + Into<&'static str> + Serialize,
{
    for &variant in T::VARIANTS {
        let name: &'static str = variant.into();
        assert_eq!(serde_json::json!(variant), name);
    }
}

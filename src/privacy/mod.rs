//! Personal data: finding card, ID and phone numbers (and e-mail addresses) in what a
//! customer typed, and masking them. Masked text is a type of its own, [`MaskedText`],
//! which only [`mask`] (or [`screen`], the same masking that also reports what it found)
//! can produce; storage and logs accept nothing else.

mod across;
mod detect;
mod masked;
mod secrets;
mod span;

#[cfg(test)]
mod properties;

pub use across::mask_across;
pub use detect::{find_pii, luhn_valid};
pub use masked::{MaskedText, Screened, mask, screen};
pub use span::{PiiKind, PiiSpan, digit_value as digit_value_of};

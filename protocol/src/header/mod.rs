//! Typed request and response headers: the named parameters a command carries in `extFields`
//! (spec §1.8 and §3).
//!
//! A header is a struct whose fields map one-to-one to `extFields` keys (RocketMQ's Java field
//! names). Required fields (Java `@CFNotNull`) have plain types and fail decoding with
//! [`HeaderError::Missing`] when absent; optional fields are `Option`s. Values are written as
//! Java's `toString()` would (decimal integers, `true`/`false`), and read as Java parses them:
//! integers strictly, booleans with `Boolean.parseBoolean` (case-insensitive `"true"`, anything
//! else false). Keys a header does not declare (for example 5.x's `ns`, `bname`, `lo`) are
//! ignored on read.

use crate::command::ExtFields;
use crate::error::HeaderError;

pub mod broker;
pub mod namesrv;

pub use broker::*;
pub use namesrv::*;

/// A typed view of a command's `extFields`.
pub trait CommandHeader: Sized {
    /// Reads the header from `extFields`.
    ///
    /// # Errors
    /// [`HeaderError::Missing`] for an absent required field, [`HeaderError::Invalid`] for a
    /// value that does not parse.
    fn from_ext_fields(fields: &ExtFields) -> Result<Self, HeaderError>;

    /// Writes every present field into `fields` (absent optional fields are not written).
    fn write_ext_fields(&self, fields: &mut ExtFields);

    /// The header as a fresh `extFields` map.
    fn to_ext_fields(&self) -> ExtFields {
        let mut fields = ExtFields::new();
        self.write_ext_fields(&mut fields);
        fields
    }
}

/// A scalar a header field can hold.
pub trait HeaderValue: Sized {
    /// The type name used in error messages (`int`, `long` ...).
    const TYPE_NAME: &'static str;
    /// Parses the `extFields` text.
    fn parse_value(text: &str) -> Option<Self>;
    /// The `extFields` text.
    fn to_value(&self) -> String;
}

impl HeaderValue for String {
    const TYPE_NAME: &'static str = "String";
    fn parse_value(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn to_value(&self) -> String {
        self.clone()
    }
}

impl HeaderValue for i32 {
    const TYPE_NAME: &'static str = "int";
    fn parse_value(text: &str) -> Option<Self> {
        text.parse().ok()
    }
    fn to_value(&self) -> String {
        self.to_string()
    }
}

impl HeaderValue for i64 {
    const TYPE_NAME: &'static str = "long";
    fn parse_value(text: &str) -> Option<Self> {
        text.parse().ok()
    }
    fn to_value(&self) -> String {
        self.to_string()
    }
}

impl HeaderValue for bool {
    const TYPE_NAME: &'static str = "boolean";
    fn parse_value(text: &str) -> Option<Self> {
        // Java's Boolean.parseBoolean never fails.
        Some(text.eq_ignore_ascii_case("true"))
    }
    fn to_value(&self) -> String {
        self.to_string()
    }
}

/// A header field: a required [`HeaderValue`] or an optional one (`Option<T>`).
pub trait HeaderField: Sized {
    /// Reads the field named `key`.
    ///
    /// # Errors
    /// As [`CommandHeader::from_ext_fields`].
    fn read(fields: &ExtFields, key: &'static str) -> Result<Self, HeaderError>;
    /// Writes the field (nothing for `None`).
    fn write(&self, fields: &mut ExtFields, key: &'static str);
}

fn parse<T: HeaderValue>(key: &'static str, text: &str) -> Result<T, HeaderError> {
    T::parse_value(text).ok_or_else(|| HeaderError::Invalid {
        field: key,
        value: text.to_owned(),
        expected: T::TYPE_NAME,
    })
}

impl<T: HeaderValue> HeaderField for T {
    fn read(fields: &ExtFields, key: &'static str) -> Result<Self, HeaderError> {
        match fields.get(key) {
            Some(text) => parse(key, text),
            None => Err(HeaderError::Missing { field: key }),
        }
    }
    fn write(&self, fields: &mut ExtFields, key: &'static str) {
        fields.insert(key.to_owned(), self.to_value());
    }
}

impl<T: HeaderValue> HeaderField for Option<T> {
    fn read(fields: &ExtFields, key: &'static str) -> Result<Self, HeaderError> {
        fields.get(key).map(|text| parse(key, text)).transpose()
    }
    fn write(&self, fields: &mut ExtFields, key: &'static str) {
        if let Some(v) = self {
            fields.insert(key.to_owned(), v.to_value());
        }
    }
}

/// Declares header structs: each field names its `extFields` key.
macro_rules! command_headers {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty => $key:literal,
            )*
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::header::CommandHeader for $name {
            #[allow(unused_variables)]
            fn from_ext_fields(
                fields: &$crate::command::ExtFields,
            ) -> Result<Self, $crate::error::HeaderError> {
                Ok(Self {
                    $( $field: <$ty as $crate::header::HeaderField>::read(fields, $key)?, )*
                })
            }

            #[allow(unused_variables)]
            fn write_ext_fields(&self, fields: &mut $crate::command::ExtFields) {
                $( $crate::header::HeaderField::write(&self.$field, fields, $key); )*
            }
        }
    )*};
}
pub(crate) use command_headers;

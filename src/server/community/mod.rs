//! What customers leave behind and read: reviews, favorites and the blog.

pub mod blogs;
pub mod favorites;
pub mod reviews;

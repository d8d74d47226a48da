//! feedwright: turn a folder of front-matter posts into RSS 2.0 and Atom feeds,
//! check the links and images inside them, lint feeds, and serve them.
//!
//! The modules follow the pipeline in `DESIGN.md`:
//! `config → load (Post) → site (feeds of posts) → render (Entry) → feed (bytes) → output / serve`,
//! and `render → check (Finding) → report`.

pub mod build;
pub mod check;
pub mod config;
pub mod feed;
pub mod lint;
pub mod load;
pub mod output;
pub mod render;
pub mod report;
pub mod serve;
pub mod site;
pub mod slug;
pub mod yaml;

//! The feed server: the `build` layout served from memory by hyper (see DESIGN.md, "Server").

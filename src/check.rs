//! Links and images in posts: offline rules, then HTTP checks (see DESIGN.md, "Checks").

//! Extension elements: the namespaces feeds commonly use (Dublin Core, content,
//! syndication, slash, geo, admin, iTunes, Media RSS…) are known, and the values of
//! their well-defined elements checked; an element of a namespace nobody knows is
//! reported once per namespace.

use super::dom::Node;

use super::rss::{self, RDF_NS};
use super::urls::Uri;
use super::{dates, elements, html, text_of, Ctx};

pub(super) const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub(super) const DCTERMS_NS: &str = "http://purl.org/dc/terms/";
pub(super) const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const SY_NS: &str = "http://purl.org/rss/1.0/modules/syndication/";
const SLASH_NS: &str = "http://purl.org/rss/1.0/modules/slash/";
const ADMIN_NS: &str = "http://webns.net/mvcb/";
const GEO_NS: &str = "http://www.w3.org/2003/01/geo/wgs84_pos#";
const ICBM_NS: &str = "http://postneo.com/icbm";
const GEOURL_NS: &str = "http://geourl.org/rss/module/";

/// Namespaces we know and accept any element of.
const KNOWN: &[&str] = &[
    "http://www.w3.org/2005/Atom",
    "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "http://search.yahoo.com/mrss/",
    "http://search.yahoo.com/mrss",
    "http://wellformedweb.org/CommentAPI/",
    "http://madskills.com/public/xml/rss/module/trackback/",
    "http://purl.org/rss/1.0/modules/trackback/",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://xmlns.com/foaf/0.1/",
    "http://purl.org/rss/1.0/modules/event/",
    "http://purl.org/rss/1.0/modules/taxonomy/",
    "http://purl.org/rss/1.0/modules/image/",
    "http://purl.org/rss/1.0/modules/annotation/",
    "http://purl.org/rss/1.0/modules/company/",
    "http://purl.org/rss/1.0/modules/threading/",
    "http://purl.org/syndication/thread/1.0",
    "http://purl.org/syndication/history/1.0",
    "http://backend.userland.com/blogChannelModule",
    "http://backend.userland.com/creativeCommonsRssModule",
    "http://web.resource.org/cc/",
    "http://creativecommons.org/ns#",
    "http://www.georss.org/georss",
    "http://www.opengis.net/gml",
    "http://a9.com/-/spec/opensearch/1.1/",
    "http://a9.com/-/spec/opensearchrss/1.0/",
    "http://rssnamespace.org/feedburner/ext/1.0",
    "http://www.google.com/schemas/reader/atom/",
    "http://www.w3.org/1999/xhtml",
    "http://purl.org/net/rss1.1#",
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/2000/svg",
    "http://purl.org/rss/1.0/modules/richequiv/",
    "http://purl.org/rss/1.0/modules/reference/",
    "http://purl.org/rss/1.0/modules/search/",
    "http://purl.org/rss/1.0/modules/servicestatus/",
    "http://purl.org/rss/1.0/modules/email/",
    "http://purl.org/rss/1.0/modules/link/",
    "http://my.theinfo.org/changed/1.0/rss/",
    "http://purl.org/dc/dcmitype/",
    "http://purl.org/atompub/rank/1.0",
    "http://purl.org/syndication/atomtriples/1",
    "http://www.w3.org/XML/1998/namespace",
    "http://purl.org/rss/2.0/",
    "http://schemas.xmlsoap.org/soap/envelope/",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "http://postneo.com/icbm",
    "http://geourl.org/rss/module/",
    "urn:atom-extension:indexing",
    "http://purl.org/syndication/license",
    "http://www.pheedo.com/namespace/pheedo",
    "http://www.microsoft.com/schemas/rss/core/2005",
    "http://www.yahoo.com/podcasts",
    "http://www.w3.org/2007/app",
    "http://purl.org/atom/app#",
    "http://earth.google.com/kml/2.0",
    "http://earth.google.com/kml/2.1",
    "http://earth.google.com/kml/2.2",
    "http://www.opengis.net/kml/2.2",
    "http://purl.org/rss/1.0/modules/aggregation/",
    "http://purl.org/rss/1.0/modules/audio/",
    "http://purl.org/rss/1.0/modules/streaming/",
    "http://purl.org/rss/1.0/modules/subscription/",
    "http://purl.org/rss/1.0/modules/wiki/",
    "http://schemas.google.com/g/2005",
    "http://www.bloglines.com/about/specs/fac-1.0",
];

const DC_ELEMENTS: &[&str] = &[
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
];

/// Checks one element of a namespace other than the document's own.
pub(super) fn element(cx: &mut Ctx, node: Node, parent: &str) {
    let Some(ns) = super::ns(node) else {
        return;
    };
    let name = node.tag_name().name();
    match ns {
        DC_NS => {
            // Qualified Dublin Core refines an element with a dot: dc:date.Taken.
            let name = match name.bytes().position(|c| c == b'.') {
                Some(dot) => &name[..dot],
                None => name,
            };
            if !DC_ELEMENTS.contains(&name) {
                rss::undefined(cx, node, parent);
                return;
            }
            // Outside RDF, a Dublin Core element holds text, not structure (the
            // root is looked at only when there is a child element).
            let rdf = || super::ns(cx.doc.root_element()) == Some(RDF_NS);
            if let Some(child) = elements(node).next().filter(|_| !rdf()) {
                cx.report(
                    child,
                    "UndefinedElement",
                    format!("dc:{name} holds text, not <{}>", child.tag_name().name()),
                );
            }
            if parent == "channel" {
                let once = matches!(name, "date" | "language");
                if once && count_same(node) == 2 {
                    cx.report(
                        node,
                        "DuplicateElement",
                        format!("<{parent}> has more than one dc:{name}"),
                    );
                }
            }
            match name {
                "date" => dates::check_w3cdtf(cx, node),
                "language" => rss::language(cx, node),
                _ => {}
            }
        }
        DCTERMS_NS => {
            if matches!(
                name,
                "created"
                    | "issued"
                    | "modified"
                    | "date"
                    | "dateAccepted"
                    | "dateCopyrighted"
                    | "dateSubmitted"
            ) {
                dates::check_w3cdtf(cx, node);
            }
        }
        CONTENT_NS => match name {
            "encoded" => {
                if count_same(node) == 2 {
                    cx.report(
                        node,
                        "DuplicateElement",
                        format!("<{parent}> has more than one content:encoded"),
                    );
                }
                let v = text_of(node);
                html::check_html(cx, node, &v, false);
            }
            "items" | "item" | "format" | "encoding" => {}
            _ => rss::undefined(cx, node, parent),
        },
        SY_NS => {
            if count_same(node) == 2 {
                cx.report(
                    node,
                    "DuplicateElement",
                    format!("<{parent}> has more than one sy:{name}"),
                );
            }
            let v = text_of(node);
            match name {
                "updatePeriod" => {
                    if !matches!(
                        v.trim(),
                        "hourly" | "daily" | "weekly" | "monthly" | "yearly"
                    ) {
                        cx.report(node, "InvalidUpdatePeriod", format!("sy:updatePeriod {v:?} must be hourly, daily, weekly, monthly or yearly"));
                    }
                }
                "updateFrequency" => {
                    if v.trim().is_empty() {
                        cx.report(node, "NotBlank", "sy:updateFrequency should not be blank");
                    }
                    if !v.trim().parse::<u32>().is_ok_and(|n| n > 0) {
                        cx.report(
                            node,
                            "InvalidPositiveInteger",
                            format!("sy:updateFrequency {v:?} must be a positive whole number"),
                        );
                    }
                }
                "updateBase" => dates::check_w3cdtf(cx, node),
                _ => rss::undefined(cx, node, parent),
            }
        }
        SLASH_NS => match name {
            "comments" => {
                let v = text_of(node);
                if v.trim().parse::<u64>().is_err() {
                    cx.report(
                        node,
                        "InvalidInteger",
                        format!("slash:comments {v:?} must be a whole number"),
                    );
                }
            }
            "section" | "department" | "hit_parade" => {}
            _ => rss::undefined(cx, node, parent),
        },
        ADMIN_NS => match name {
            "generatorAgent" | "errorReportsTo" => {
                if count_same(node) == 2 {
                    cx.report(
                        node,
                        "DuplicateElement",
                        format!("<{parent}> has more than one admin:{name}"),
                    );
                }
                match node.attribute_node((RDF_NS, "resource")) {
                    None => cx.report(
                        node,
                        "MissingAttribute",
                        format!("admin:{name} needs an rdf:resource attribute"),
                    ),
                    Some(a) => {
                        super::urls::check(
                            cx,
                            a.range().start,
                            a.value(),
                            Uri::Full,
                            "rdf:resource",
                        );
                    }
                }
            }
            _ => rss::undefined(cx, node, parent),
        },
        GEO_NS | ICBM_NS | GEOURL_NS => {
            let v = text_of(node);
            let n: Option<f64> = v.trim().parse().ok();
            match name {
                "lat" | "latitude" if !n.is_some_and(|n| (-90.0..=90.0).contains(&n)) => {
                    cx.report(
                        node,
                        "InvalidLatitude",
                        format!("latitude {v:?} must be a number from -90 to 90"),
                    );
                }
                "long" | "lon" | "longitude"
                    if !n.is_some_and(|n| (-180.0..=180.0).contains(&n)) =>
                {
                    cx.report(
                        node,
                        "InvalidLongitude",
                        format!("longitude {v:?} must be a number from -180 to 180"),
                    );
                }
                _ => {}
            }
        }
        super::atom::XHTML_NS if name == "body" => html::check_xhtml(cx, node, node),
        "http://backend.userland.com/blogChannelModule" => {
            if matches!(name, "blogRoll" | "mySubscriptions" | "blink" | "changes") {
                rss::url_element(cx, node, Uri::Full);
            }
        }
        "http://purl.org/rss/1.0/modules/event/" => {
            if matches!(name, "startdate" | "enddate") {
                dates::check_iso8601(cx, node, false);
            }
        }
        "http://purl.org/rss/1.0/modules/aggregation/" => match name {
            "timestamp" => dates::check_w3cdtf(cx, node),
            "sourceURL" => rss::url_element(cx, node, Uri::Full),
            _ => {}
        },
        "http://purl.org/rss/1.0/modules/wiki/" => {
            if matches!(name, "diff" | "history") {
                match node.attribute_node((RDF_NS, "resource")) {
                    Some(a) => {
                        super::urls::check(
                            cx,
                            a.range().start,
                            a.value(),
                            Uri::Any,
                            "rdf:resource",
                        );
                    }
                    None => rss::url_element(cx, node, Uri::Any),
                }
            }
        }
        "http://backend.userland.com/creativeCommonsRssModule" => {
            if name == "license" {
                rss::url_element(cx, node, Uri::Full);
            }
        }
        "http://madskills.com/public/xml/rss/module/trackback/" => {
            if parent != "item" && parent != "entry" {
                rss::undefined(cx, node, parent);
                return;
            }
            if let Some(a) = node.attribute_node((RDF_NS, "resource")) {
                super::urls::check(cx, a.range().start, a.value(), Uri::Full, "trackback");
            }
            if matches!(name, "ping") {
                rss::url_element(cx, node, Uri::Full);
            }
        }
        _ if KNOWN.contains(&ns) => {}
        _ => {
            unknown_namespace(cx, node.range().start, ns);
            // RSS 2.0: "elements defined in a namespace"; their children too.
            if cx.rss2 {
                let bare = node
                    .descendants()
                    .find(|d| d.is_element() && *d != node && super::ns(*d).is_none());
                if let Some(b) = bare {
                    cx.report(
                        b,
                        "NotInANamespace",
                        format!(
                            "<{}> inside an extension element is in no namespace",
                            b.tag_name().name()
                        ),
                    );
                }
            }
        }
    }
    let _ = elements(node);
}

/// Prefixes with a conventional namespace: binding one to another namespace
/// confuses readers that match on prefixes.
const RESERVED_PREFIXES: &[(&str, &str)] = &[
    ("admin", ADMIN_NS),
    ("ag", "http://purl.org/rss/1.0/modules/aggregation/"),
    ("annotate", "http://purl.org/rss/1.0/modules/annotate/"),
    ("atom", "http://www.w3.org/2005/Atom"),
    (
        "blogChannel",
        "http://backend.userland.com/blogChannelModule",
    ),
    ("cc", "http://web.resource.org/cc/"),
    ("content", CONTENT_NS),
    (
        "creativeCommons",
        "http://backend.userland.com/creativeCommonsRssModule",
    ),
    ("dc", DC_NS),
    ("dcterms", DCTERMS_NS),
    ("ev", "http://purl.org/rss/1.0/modules/event/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("geo", GEO_NS),
    ("georss", "http://www.georss.org/georss"),
    ("itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"),
    ("rdf", RDF_NS),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("slash", SLASH_NS),
    ("sy", SY_NS),
    ("taxo", "http://purl.org/rss/1.0/modules/taxonomy/"),
    ("thr", "http://purl.org/syndication/thread/1.0"),
    ("thr", "http://purl.org/rss/1.0/modules/threading/"),
    (
        "trackback",
        "http://madskills.com/public/xml/rss/module/trackback/",
    ),
    ("wfw", "http://wellformedweb.org/CommentAPI/"),
    ("xhtml", "http://www.w3.org/1999/xhtml"),
];

/// Meatball wiki's old namespace, replaced by purl.org/rss/1.0/modules/wiki/.
const OLD_WIKI_NS: &str = "http://www.usemod.com/cgi-bin/mb.pl?ModWiki";

/// Namespace declarations: conventional prefixes bound elsewhere, obsolete namespaces.
pub(super) fn declarations(cx: &mut Ctx) {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for el in cx.doc.declaring_elements() {
        for decl in el.declared_namespaces() {
            let (Some(prefix), uri) = decl else {
                continue;
            };
            if seen.contains(&(prefix, uri)) {
                continue;
            }
            seen.push((prefix, uri));
            if uri == OLD_WIKI_NS {
                cx.seen_ns.insert(uri.to_string());
                cx.report(
                    el,
                    "ObsoleteWikiNamespace",
                    "the ModWiki namespace moved to http://purl.org/rss/1.0/modules/wiki/",
                );
            } else if let Some((_, conventional)) =
                RESERVED_PREFIXES.iter().find(|(p, _)| *p == prefix)
            {
                let elsewhere = !RESERVED_PREFIXES
                    .iter()
                    .any(|(p, u)| *p == prefix && *u == uri);
                if elsewhere {
                    cx.seen_ns.insert(uri.to_string());
                    cx.report(
                        el,
                        "ReservedPrefix",
                        format!("the prefix {prefix:?} usually means {conventional}, not {uri}"),
                    );
                }
            }
        }
    }
}

/// Whether feeds commonly use the namespace `ns`.
pub(super) fn is_known(ns: &str) -> bool {
    KNOWN.contains(&ns) || [DC_NS, DCTERMS_NS, CONTENT_NS, SY_NS, SLASH_NS, ADMIN_NS].contains(&ns)
}

/// Reports a namespace nobody knows, once per document.
pub(super) fn unknown_namespace(cx: &mut Ctx, pos: usize, ns: &str) {
    if is_known(ns) {
        return;
    }
    if cx.seen_ns.insert(ns.to_string()) {
        cx.report_at(
            pos,
            "UnknownNamespace",
            format!("namespace {ns:?} is not one readers know"),
        );
    }
}

/// How many siblings before and including `node` have its expanded name, counted
/// up to 3 (callers ask whether it is the second; a full count for each of many
/// repeats would grow with their square).
fn count_same(node: Node) -> usize {
    let tn = node.tag_name();
    node.prev_siblings()
        .filter(|s| s.is_element() && s.tag_name() == tn)
        .take(3)
        .count()
}

//! Feed conformance: RSS 0.9x/1.0/2.0 and Atom 1.0 documents against the RSS 2.0 specification and RFC 4287.

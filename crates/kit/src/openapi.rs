//! The OpenAPI 3.0 document of each host's open-data API, `/api/v1/openapi.json`: the portal's
//! (the search across gminas, the gminas' GeoJSON) and each gmina's (its registry, its offers…).
//! Every module describes its own endpoints ([`crate::catalogue::ApiDoc`]); the kit puts
//! together the parts for the host asked. Each parameter says exactly what the server accepts — a pattern or an enum, never a
//! bare string — because the fuzzer in the test suite holds the server to the document.

use serde_json::{Map, Value, json};

/// The parts being put together.
#[derive(Debug, Default)]
pub struct Document {
    pub paths: Map<String, Value>,
    pub schemas: Map<String, Value>,
    /// The kinds of hits the modules contribute to the search across gminas
    /// ([`crate::catalogue::SearchSource::kind`]), for the parameter that picks one.
    pub search_kinds: Vec<&'static str>,
}

impl Document {
    pub fn path(&mut self, path: &str, get: Value) -> &mut Self {
        self.paths.insert(path.to_owned(), json!({ "get": get }));
        self
    }

    pub fn schema(&mut self, name: &str, schema: Value) -> &mut Self {
        self.schemas.insert(name.to_owned(), schema);
        self
    }

    /// The whole document for a host at `server` (its base URL).
    pub fn finish(mut self, title: &str, description: &str, server: &str) -> Value {
        self.schemas.insert(
            "Error".into(),
            json!({ "type": "object", "properties": { "error": { "type": "object", "properties": {
                "title": { "type": "string" }, "message": { "type": "string" } } } } }),
        );
        json!({
            "openapi": "3.0.3",
            "info": { "title": title, "version": "1", "description": description },
            "servers": [{ "url": server }],
            "paths": self.paths,
            "components": { "schemas": self.schemas },
        })
    }
}

/// A query parameter, optional.
pub fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

pub fn pattern(p: &str) -> Value {
    json!({ "type": "string", "pattern": p })
}

pub fn enumerated<'a>(values: impl IntoIterator<Item = &'a str>) -> Value {
    json!({ "type": "string", "enum": values.into_iter().collect::<Vec<_>>() })
}

/// `q`, the searched text (what [`crate::input`]'s lists accept: up to 200 characters, no NUL).
pub fn text_search(description: &str) -> Value {
    param(
        "q",
        description,
        json!({ "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$" }),
    )
}

/// `strona` and `na_strone` of a paginated list.
pub fn paging(default: i64, max: i64) -> [Value; 2] {
    [
        json!({ "name": "strona", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "default": 1 } }),
        json!({ "name": "na_strone", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": max, "default": default } }),
    ]
}

pub fn nullable(t: &str) -> Value {
    json!({ "type": t, "nullable": true })
}

/// The 400 answer every list gives for a parameter it cannot use.
pub fn bad_request() -> Value {
    json!({ "description": "Niepoprawny parametr.", "content": { "application/json": {
        "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// A JSON answer of `schema` (a `$ref` name), with its description.
pub fn json_answer(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": {
        "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

/// A page of `item` (a schema name): total, page, per_page, pages, next/prev links, items, and
/// any `extra` properties.
pub fn page_of(item: &str, extra: Value) -> Value {
    let mut properties = json!({
        "total": { "type": "integer" }, "page": { "type": "integer" }, "per_page": { "type": "integer" },
        "pages": { "type": "integer" }, "next": nullable("string"), "prev": nullable("string"),
        "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
    });
    if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    json!({ "type": "object", "required": ["total", "page", "per_page", "pages", "items"], "properties": properties })
}

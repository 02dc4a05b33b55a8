//! Pages the grader writes, read as a browser reads them: parsed by html5ever (the WHATWG HTML
//! parser of Servo) into a tree of owned elements that a test can search.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;

use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};

/// An element, its attributes, and everything under it.
#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// A page: its root element, and the parse errors html5ever found (none, for a page whose
/// markup holds: an unescaped `</td>` from a submission would be one).
pub struct Page {
    pub root: Element,
    pub errors: Vec<String>,
}

pub fn parse(html: &str) -> Page {
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html);
    let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    let root = Element {
        name: "#document".into(),
        attrs: BTreeMap::new(),
        children: children(&dom.document),
    };
    Page { root, errors }
}

fn children(handle: &Handle) -> Vec<Node> {
    handle
        .children
        .borrow()
        .iter()
        .filter_map(|child| match &child.data {
            NodeData::Element { name, attrs, .. } => Some(Node::Element(Element {
                name: name.local.to_string(),
                attrs: attrs
                    .borrow()
                    .iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect(),
                children: children(child),
            })),
            NodeData::Text { contents } => Some(Node::Text(contents.borrow().to_string())),
            _ => None,
        })
        .collect()
}

impl Element {
    /// Every element under this one (itself included) that `matches`, in document order.
    pub fn find_all(&self, matches: &dyn Fn(&Element) -> bool) -> Vec<&Element> {
        let mut found = Vec::new();
        if matches(self) {
            found.push(self);
        }
        for child in &self.children {
            if let Node::Element(e) = child {
                found.extend(e.find_all(matches));
            }
        }
        found
    }

    /// The elements named `name` under this one.
    pub fn all(&self, name: &str) -> Vec<&Element> {
        self.find_all(&|e| e.name == name)
    }

    /// The one element with this id.
    pub fn by_id(&self, id: &str) -> &Element {
        let found = self.find_all(&|e| e.attrs.get("id").is_some_and(|i| i == id));
        assert_eq!(found.len(), 1, "elements with id {id}");
        found[0]
    }

    pub fn attr(&self, name: &str) -> &str {
        self.attrs
            .get(name)
            .unwrap_or_else(|| panic!("<{}> has no {name}", self.name))
    }

    /// All the text under this element, as a browser shows it (markup gone, entities decoded).
    pub fn text(&self) -> String {
        self.children
            .iter()
            .map(|c| match c {
                Node::Text(t) => t.clone(),
                Node::Element(e) => e.text(),
            })
            .collect()
    }
}

/// Decodes a link's percent-escapes.
pub fn percent_decode(link: &str) -> String {
    let bytes = link.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Renders `page` with a headless browser into `png`, where one is installed; says so and
/// returns false where none is.
pub fn screenshot(page: &std::path::Path, png: &std::path::Path) -> bool {
    let url = format!("file://{}", page.display());
    for browser in [
        "chromium",
        "chromium-headless-shell",
        "chromium-browser",
        "google-chrome",
    ] {
        if let Ok(status) = std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=1280,2400",
            ])
            .arg(format!("--screenshot={}", png.display()))
            .arg(&url)
            .stderr(std::process::Stdio::null())
            .status()
        {
            assert!(status.success(), "{browser} could not render {url}");
            return true;
        }
    }
    if let Ok(status) = std::process::Command::new("firefox")
        .args(["--headless", "--window-size=1280,2400", "--screenshot"])
        .arg(png)
        .arg(&url)
        .status()
    {
        assert!(status.success(), "firefox could not render {url}");
        return true;
    }
    eprintln!(
        "no screenshot of {}: no headless browser (chromium, chromium-headless-shell, \
         google-chrome, firefox) is installed",
        page.display()
    );
    false
}

//! What a page loads besides its HTML. Pages are rendered on the server and work without
//! JavaScript; the few interactive parts are `#[island]`s. A page loads the JavaScript and wasm
//! only when it holds an island (the banner while it asks, a comparison, the editor), so reading
//! a policy downloads its HTML and one stylesheet, nothing else.

#[cfg(feature = "ssr")]
pub use ssr::{IslandScripts, Stylesheet, hash_list, loader_script};

/// What the islands share in the browser: one document listener, a form's field and one
/// `fetch`. The islands' behaviour is plain DOM listeners installed when they hydrate, not
/// reactive views: signals, effects and event delegation would be most of the wasm, and a
/// public page with an island must stay within 50 KB of JS, wasm and CSS.
#[cfg(feature = "hydrate")]
pub mod browser {
    use wasm_bindgen::{JsCast, convert::FromWasmAbi, prelude::Closure};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Element, HtmlInputElement};

    /// Calls `handler` for every `event` of type `E` in the page, for as long as the page lives
    /// (islands are never unmounted: the server renders every page anew).
    pub fn listen<E: FromWasmAbi + 'static>(event: &str, handler: impl FnMut(E) + 'static) {
        let handler = Closure::<dyn FnMut(E)>::new(handler);
        let _ = leptos::prelude::document()
            .add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        handler.forget();
    }

    /// An answer's status and its body as text.
    pub struct Answer {
        pub status: u16,
        pub body: String,
    }

    impl Answer {
        /// The body parsed by the browser's `JSON`; `None` when it is not JSON.
        pub fn json(&self) -> Option<wasm_bindgen::JsValue> {
            js_sys::JSON::parse(&self.body).ok()
        }
    }

    /// The value of the `input` named `name` inside `form`, or "" when there is none.
    pub fn field(form: &Element, name: &str) -> String {
        form.query_selector(&format!("input[name={name}]"))
            .ok()
            .flatten()
            .and_then(|input| input.dyn_into::<HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    }

    /// POSTs `body` to `url`; `None` when no answer came (offline, aborted).
    pub async fn post(url: &str, content_type: &str, body: &str) -> Option<Answer> {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&body.into());
        let headers = web_sys::Headers::new().ok()?;
        headers.set("Content-Type", content_type).ok()?;
        init.set_headers(&headers);
        let promise = leptos::prelude::window().fetch_with_str_and_init(url, &init);
        let response: web_sys::Response = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
        let text = JsFuture::from(response.text().ok()?).await.ok()?;
        Some(Answer {
            status: response.status(),
            body: text.as_string().unwrap_or_default(),
        })
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use std::{path::PathBuf, sync::OnceLock};

    /// Where `cargo leptos build` writes the list of content hashes named `file`: beside the
    /// binary (the `hash-files` setting in `Cargo.toml`).
    pub fn hash_list(file: &str) -> Option<PathBuf> {
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.join(file))
    }

    /// The stylesheet of this build and the loader that names its JavaScript and wasm, with
    /// the content hashes `cargo leptos build` lists in `hash.txt` beside the binary when the
    /// build hashes them. Made once: the names cannot change while the binary runs.
    struct Assets {
        css: String,
        /// The page's loader script, which names the JavaScript and the wasm.
        loader: String,
    }

    fn assets(options: &LeptosOptions) -> &'static Assets {
        static ASSETS: OnceLock<Assets> = OnceLock::new();
        ASSETS.get_or_init(|| {
            let hashes = if options.hash_files {
                hash_list(&options.hash_file)
                    .and_then(|file| std::fs::read_to_string(file).ok())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let name = |kind: &str| {
                let hash = hashes.lines().find_map(|line| {
                    let (file, hash) = line.split_once(':')?;
                    (file.trim() == kind).then(|| hash.trim().to_owned())
                });
                let stem = match hash {
                    Some(hash) => format!("{}.{hash}", options.output_name),
                    None => options.output_name.to_string(),
                };
                format!("/{}/{stem}.{kind}", options.site_pkg_dir)
            };
            let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
            Assets {
                css: name("css"),
                loader: format!(
                    "{LOADER}({}, {});",
                    quoted(&name("js")),
                    quoted(&name("wasm"))
                ),
            }
        })
    }

    #[component]
    pub fn Stylesheet(options: LeptosOptions) -> impl IntoView {
        view! { <link rel="stylesheet" id="leptos" href=assets(&options).css.clone() /> }
    }

    /// The page's loader. It fetches the JavaScript and the wasm only if the page holds an
    /// island, hydrates each island, and then marks `<html data-hydrated>`, which styles and
    /// the end-to-end tests read as "the page's scripts have run". Nothing is preloaded: a page
    /// without islands must not pay for them.
    #[component]
    pub fn IslandScripts(options: LeptosOptions) -> impl IntoView {
        // Outside islands the server renders plain HTML, without hydration markers.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        view! {
            <script
                type="module"
                nonce=leptos::nonce::use_nonce().filter(|nonce| !nonce.is_empty())
            >
                {loader_script(&options)}
            </script>
        }
    }

    /// The text of the loader's inline script, which the Content-Security-Policy names by its
    /// hash.
    pub fn loader_script(options: &LeptosOptions) -> &'static str {
        &assets(options).loader
    }

    /// Islands are never nested here, so each is hydrated on its own, in document order.
    const LOADER: &str = r#"((js, wasm) => {
  const islands = document.querySelectorAll("leptos-island");
  const ready = () => document.documentElement.setAttribute("data-hydrated", "");
  if (islands.length === 0) return ready();
  import(js).then(async (mod) => {
    await mod.default({ module_or_path: wasm });
    mod.hydrate();
    for (const island of islands) await mod[island.dataset.component]?.(island);
    ready();
  });
})"#;
}

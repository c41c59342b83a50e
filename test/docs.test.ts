import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, ORIGIN } from "./helpers/app.ts";

// `exports.default.fetch` and `call()` reach the Worker only, never the static assets, so the
// assets are checked through the `ASSETS` binding ([assets] in wrangler.toml).
const { ASSETS } = env;

const EXPECTED_CSP: Record<string, string> = {
  "default-src": "'none'",
  "script-src": "'self'",
  "style-src": "'self'",
  "img-src": "'self' data:",
  "connect-src": "'self'",
  "base-uri": "'none'",
  "form-action": "'self'",
  "frame-ancestors": "'none'",
};

const CONTENT_TYPES: Record<string, RegExp> = {
  js: /^text\/javascript\b/,
  css: /^text\/css\b/,
  png: /^image\/png$/,
};

interface PageParts {
  /** src/href of every <script> and <link>, in document order. */
  urls: string[];
  /** Things a strict CSP would block: inline scripts, <style>, style="" and on*="" attributes. */
  inline: string[];
}

/** Reads the page with workerd's own HTML parser. */
async function parsePage(response: Response): Promise<PageParts> {
  const parts: PageParts = { urls: [], inline: [] };
  await new HTMLRewriter()
    .on("script", {
      element(element) {
        const src = element.getAttribute("src");
        if (src === null) parts.inline.push("<script> without src");
        else parts.urls.push(src);
      },
      text(text) {
        if (text.text.trim()) parts.inline.push(`script text: ${text.text.slice(0, 40)}`);
      },
    })
    .on("link", {
      element(element) {
        const href = element.getAttribute("href");
        if (href !== null) parts.urls.push(href);
      },
    })
    .on("style", { element: () => void parts.inline.push("<style>") })
    .on("*", {
      element(element) {
        for (const [name = ""] of element.attributes) {
          if (name === "style" || name.startsWith("on")) parts.inline.push(`${element.tagName} ${name}=""`);
        }
      },
    })
    .transform(response)
    .arrayBuffer();
  return parts;
}

function parseCsp(header: string): Record<string, string> {
  return Object.fromEntries(
    header
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name = "", ...values]) => [name, values.join(" ")]),
  );
}

describe("GET /docs", () => {
  it("answers an HTML page under a strict Content-Security-Policy of its own", async () => {
    const response = await call("/docs");

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html; charset=utf-8$/i);
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(parseCsp(csp)).toEqual(EXPECTED_CSP);
    expect(csp).not.toMatch(/unsafe-|\*|https?:/);
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    // A page keeps the document headers that the JSON answers leave out.
    expect(response.headers.get("Cross-Origin-Opener-Policy")).toBe("same-origin");
    expect(response.headers.get("Origin-Agent-Cluster")).toBe("?1");
    expect(response.headers.get("X-Permitted-Cross-Domain-Policies")).toBe("none");
    expect(response.headers.get("Strict-Transport-Security")).toMatch(/max-age=\d+/);
    expect(await response.text()).toContain('<div id="swagger-ui"></div>');
  });

  it("loads only same-origin scripts and styles, none of them inline", async () => {
    const { urls, inline } = await parsePage(await call("/docs"));

    expect(inline).toEqual([]);
    expect(urls).toEqual(
      expect.arrayContaining(["/docs/vendor/swagger-ui-bundle.js", "/docs/init.js", "/docs/vendor/swagger-ui.css"]),
    );
    for (const url of urls) expect(new URL(url, ORIGIN).origin, url).toBe(ORIGIN);
  });

  it("serves every file the page references from the static assets, with its content type", async () => {
    const { urls } = await parsePage(await call("/docs"));

    for (const url of urls) {
      const response = await ASSETS.fetch(new URL(url, ORIGIN));
      const body = await response.arrayBuffer();
      // public/docs/vendor/ is filled by `npm run build:docs`, which test/support/global-setup.ts runs.
      expect(response.status, `${url} (if missing: npm run build:docs)`).toBe(200);
      expect(body.byteLength, url).toBeGreaterThan(0);
      const extension = url.slice(url.lastIndexOf(".") + 1);
      expect(response.headers.get("Content-Type"), url).toMatch(
        CONTENT_TYPES[extension] ?? `a known type for .${extension}`,
      );
      expect(response.headers.get("X-Content-Type-Options"), url).toBe("nosniff");
    }
  });

  it("points Swagger UI at /openapi.json, which documents the customer operation", async () => {
    const init = await (await ASSETS.fetch(`${ORIGIN}/docs/init.js`)).text();
    expect(init).toContain('url: "/openapi.json"');

    const document = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain("/v1/customers/{uuid}");
  });

  it("keeps the Worker's own paths out of the static assets", async () => {
    for (const path of ["/docs", "/healthz", "/v1/customers/CSRT1511414842"]) {
      const response = await ASSETS.fetch(`${ORIGIN}${path}`);
      await response.arrayBuffer();
      expect(response.status, path).toBe(404);
    }
  });

  it("serves /openapi.json from the asset through the Worker, with the Worker's headers", async () => {
    const asset = await (await ASSETS.fetch(`${ORIGIN}/openapi.json`)).text();
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(asset);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });
});

import { secureHeaders } from "hono/secure-headers";
import { Hono } from "../lib/hono.ts";
import type { AppEnv } from "../services.ts";

/**
 * GET /docs: Swagger UI for /openapi.json. The page is this small HTML shell; Swagger UI's
 * script and styles (public/docs/vendor/, copied from swagger-ui-dist by
 * scripts/copy-docs-assets.ts) and the initializer (public/docs/init.js) are Workers static
 * assets on the same origin. The page is served here rather than from public/ so that its
 * Content-Security-Policy is set by the route itself (secureHeaders sets none unless asked):
 * no inline script or style, no eval, nothing from another origin.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // swagger-ui.css draws its icons and arrows as data: SVG and PNG images.
  "img-src 'self' data:",
  // Loads /openapi.json and sends "Try it out" requests to this origin.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>customer-edge API reference</title>
<link rel="icon" type="image/png" href="/docs/vendor/favicon-32x32.png">
<link rel="stylesheet" href="/docs/vendor/swagger-ui.css">
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/vendor/swagger-ui-bundle.js" defer></script>
<script src="/docs/init.js" defer></script>
</head>
<body>
<noscript><p class="docs-noscript">This reference needs JavaScript. The OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
</body>
</html>
`;

// A page, unlike the JSON routes: every document header Hono's secureHeaders knows, in place
// of the JSON answers' protecting headers, plus the page's own policy from the handler.
export const docsRoutes = new Hono<AppEnv>().get("/docs", secureHeaders({ xFrameOptions: "DENY" }), (c) =>
  c.html(PAGE, 200, {
    "Content-Security-Policy": DOCS_CSP,
    "Cache-Control": "public, max-age=300",
  }),
);

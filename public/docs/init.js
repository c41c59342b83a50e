// Starts Swagger UI on the GET /docs page (src/routes/docs.ts). It lives in its own file, not
// in an inline <script>, so the page's Content-Security-Policy can stay `script-src 'self'`.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  // The default badge loads an image from validator.swagger.io: off, the page stays same-origin.
  validatorUrl: null,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
});

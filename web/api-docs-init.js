// Swagger UI against chatd's own OpenAPI document; the Bearer token survives reloads.
window.ui = SwaggerUIBundle({
  url: '/api-docs-json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
});

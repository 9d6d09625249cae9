// Runs before every test file: the page elements the client reads when its modules load
// (templates/app.html): who is signed in, the CSRF token, and where toasts go.
document.body.innerHTML = `
  <div id="app" data-me='{"id": 1, "username": "ada", "display_name": "Ada", "email": "ada@example.com", "created_at": "2025-01-01T00:00:00Z"}'></div>
  <div id="toasts"></div>`;
const meta = document.createElement('meta');
meta.name = 'csrf-token';
meta.content = 'test-csrf';
document.head.append(meta);

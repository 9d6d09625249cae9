// The page the chat client expects: state.ts reads who is signed in from #app[data-me] when it
// loads, so test files import this module before any view.
import type { Me } from '../../../static/src/api/types';

export const ME: Me = { id: 1, display_name: 'Ada Lovelace', username: 'ada', email: 'ada@example.test', created_at: '2025-01-31T09:00:00Z' };

const app = document.createElement('div');
app.id = 'app';
app.dataset.me = JSON.stringify(ME);
document.body.append(app);

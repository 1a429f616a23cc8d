import { api } from '../api.js';
import { describeError, el, replace } from '../dom.js';

const MESSAGES = {
  AUTH_INVALID_CREDENTIALS: 'Unknown username or wrong password.',
  LOGIN_THROTTLED: 'Too many failed attempts for this username. Wait a few minutes and try again.',
};

/** Username and password for a bearer token; the token stays in this tab only. */
export function render(view, context) {
  context.setTitle('Log in');
  const notice = context.takeLoginNotice();
  const username = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, maxLength: 64 });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxLength: 256 });
  const submit = el('button', { type: 'submit', class: 'button button-primary button-wide' }, 'Log in');
  const message = el('div', { class: 'form-message', attrs: { role: 'alert', 'aria-live': 'assertive' } });
  if (notice) replace(message, el('div', { class: 'notice notice-info' }, notice));

  const form = el(
    'form',
    { class: 'login-form', attrs: { 'aria-labelledby': 'login-title', novalidate: '' } },
    el('div', { class: 'login-brand' }, el('span', { class: 'brand-mark' }, 'CPG'), el('span', {}, 'Monitoring & fraud analytics')),
    el('h1', { id: 'login-title' }, 'Operator console'),
    el('p', { class: 'muted' }, 'Log in with your operator account.'),
    message,
    el('label', { htmlFor: 'username' }, 'Username'),
    username,
    el('label', { htmlFor: 'password' }, 'Password'),
    password,
    submit,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      replace(message, el('div', { class: 'notice notice-error' }, 'Enter your username and password.'));
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    replace(message);
    try {
      const answer = await api('/v1/auth/login', { method: 'POST', body: { username: username.value.trim(), password: password.value } });
      context.logIn({
        token: answer.token,
        username: username.value.trim(),
        role: answer.role,
        participant: answer.participant,
        expiresAt: answer.expiresAt,
      });
    } catch (e) {
      replace(message, el('div', { class: 'notice notice-error' }, MESSAGES[e.code] ?? describeError(e)));
      password.value = '';
      password.focus();
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  });

  view.append(el('div', { class: 'login-page' }, form));
  username.focus();
}

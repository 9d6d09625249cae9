// The Integrations page: a header back to the chat, the navigation between its sections (links
// to #section, so each has an address and the Back button works), and the section shown.

import { useEffect, useRef } from 'preact/hooks';
import { Icon } from '../../shared/icons';
import { visibleSections } from '../model';
import { SECTIONS } from '../sections';
import { state } from '../state';
import { useStateChanges } from './common';

export function Page() {
  useStateChanges();
  const sections = visibleSections(SECTIONS, state.workspace.role);
  const current = sections.find((s) => s.id === state.section) ?? sections[0];
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // After a switch (not on load), the new section's heading gets the focus, as a new page's would.
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [current?.id]);
  const Content = current?.component;
  return (
    <div class="integrations">
      <header class="integrations-header">
        <a class="back-link" href={`/#w=${state.workspace.id}`} data-testid="back-to-chat">
          <Icon name="chevron-left" />{`Back to ${state.workspace.name}`}
        </a>
        <h1>Integrations</h1>
        <p class="muted">{`${state.workspace.name} · what other products and scripts send to it and read from it`}</p>
      </header>
      <div class="integrations-body">
        <nav class="integrations-nav" aria-label="Kinds of integrations">
          <ul>
            {sections.map((s) => (
              <li key={s.id}>
                <a href={`#${s.id}`} aria-current={s.id === current?.id ? 'page' : undefined} data-testid={`nav-${s.id}`}>{s.title}</a>
              </li>
            ))}
          </ul>
        </nav>
        {current && Content
          ? (
            <main class="integrations-main" data-testid={`section-${current.id}`} aria-labelledby="section-title">
              <h2 id="section-title" tabIndex={-1} ref={heading}>{current.title}</h2>
              <Content key={current.id} />
            </main>
          )
          : null}
      </div>
      <div id="toasts" class="toasts" />
    </div>
  );
}

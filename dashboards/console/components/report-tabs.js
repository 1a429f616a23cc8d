import { el } from '../dom.js';

/**
 * The reports page's Catalog and SQL as tabs (the arrow keys move between them); only the
 * open one's panel shows, and the SQL one loads its tables when first opened.
 */
export function reportTabs(catalogPanel, sql) {
  const listeners = [];
  const panels = { catalog: catalogPanel, sql: sql.element };
  const labels = { catalog: 'Catalog', sql: 'SQL' };
  const buttons = {};
  for (const id of Object.keys(panels)) {
    Object.assign(panels[id], { id: `reports-panel-${id}`, hidden: id !== 'catalog' });
    panels[id].setAttribute('role', 'tabpanel');
    panels[id].setAttribute('aria-labelledby', `reports-tab-${id}`);
    buttons[id] = el(
      'button',
      {
        type: 'button',
        id: `reports-tab-${id}`,
        class: 'segment',
        dataset: { tab: id },
        attrs: { role: 'tab', 'aria-selected': String(id === 'catalog'), 'aria-controls': panels[id].id, tabindex: id === 'catalog' ? '0' : '-1' },
        onclick: () => tabs.open(id),
        onkeydown: (e) => {
          if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
          const next = id === 'catalog' ? 'sql' : 'catalog';
          tabs.open(next);
          buttons[next].focus();
        },
      },
      labels[id],
    );
  }
  const tabs = {
    current: 'catalog',
    element: el('div', { class: 'segmented report-tabs', attrs: { role: 'tablist', 'aria-label': 'Reports or SQL' } }, Object.values(buttons)),
    panels: Object.values(panels),
    onChange: (listener) => listeners.push(listener),
    open(id) {
      if (!panels[id] || id === tabs.current) return;
      tabs.current = id;
      for (const [other, panel] of Object.entries(panels)) {
        panel.hidden = other !== id;
        buttons[other].setAttribute('aria-selected', String(other === id));
        buttons[other].setAttribute('tabindex', other === id ? '0' : '-1');
      }
      if (id === 'sql') sql.shown();
      for (const listener of listeners) listener(id);
    },
  };
  return tabs;
}

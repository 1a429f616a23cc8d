import cytoscape from '/vendor/cytoscape/cytoscape.esm.min.mjs';
import { el, facts, replace } from '../dom.js';
import { formatCount } from '../format.js';

/**
 * A case subject's network (GET /v1/cases/:id/investigation/network) drawn with cytoscape:
 * wallets on one side, the devices, IPs and merchants they share on the other. A node's kind
 * is its shape and its colour, the subject is large with a halo, a suspicious node (declined
 * or alerted payments) has a red border; the legend says so in words. Clicking a node shows
 * its figures beside the graph, and every node is also listed in a table below it.
 *
 * The container carries what was drawn (data-nodes, data-edges, data-subject,
 * data-subject-links, data-suspicious), read back from cytoscape itself, for tests.
 */
export const NODE_KINDS = {
  wallet: { label: 'Wallet', colour: '#2563eb', shape: 'ellipse' },
  merchant: { label: 'Merchant', colour: '#d97706', shape: 'diamond' },
  device: { label: 'Device', colour: '#0f766e', shape: 'round-rectangle' },
  ip: { label: 'IP address', colour: '#7c3aed', shape: 'triangle' },
};
const SUSPICIOUS = '#dc2626';
const SUBJECT_HALO = '#facc15';

const STYLE = [
  {
    selector: 'node',
    style: {
      'background-color': (n) => NODE_KINDS[n.data('kind')]?.colour ?? '#64748b',
      shape: (n) => NODE_KINDS[n.data('kind')]?.shape ?? 'ellipse',
      width: 18,
      height: 18,
      'border-width': 1,
      'border-color': '#ffffff',
      label: '',
      'font-size': 9,
      color: '#17202e',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': 1,
    },
  },
  { selector: 'node[kind = "merchant"]', style: { label: 'data(label)' } },
  { selector: 'node[?suspicious]', style: { 'border-width': 3, 'border-color': SUSPICIOUS } },
  { selector: 'node[?hub]', style: { 'border-style': 'dashed', 'border-width': 2, 'border-color': '#334155' } },
  {
    selector: 'node[?subject]',
    style: {
      width: 40,
      height: 40,
      label: 'data(label)',
      'font-size': 11,
      'font-weight': 'bold',
      'underlay-color': SUBJECT_HALO,
      'underlay-padding': 8,
      'underlay-opacity': 0.55,
      'underlay-shape': 'ellipse',
      'z-index': 10,
    },
  },
  { selector: 'node[?subject][!suspicious]', style: { 'border-width': 3, 'border-color': '#0f1b2d' } },
  { selector: 'node[?subject][?suspicious]', style: { 'border-width': 4 } },
  { selector: 'node:selected', style: { label: 'data(label)', 'overlay-color': '#1d4ed8', 'overlay-opacity': 0.18, 'overlay-padding': 5 } },
  {
    selector: 'edge',
    style: {
      width: (e) => Math.min(6, 1 + Math.log2(Math.max(1, e.data('payments')))),
      'line-color': '#cbd5e1',
      'curve-style': 'straight',
    },
  },
  { selector: 'edge[kind = "merchant"]', style: { 'line-color': '#94a3b8' } },
  { selector: 'edge[kind = "ip"]', style: { 'line-style': 'dashed' } },
];

export function networkGraph() {
  const canvas = el('div', { class: 'network-canvas', dataset: { testid: 'network-graph' }, attrs: { role: 'img', 'aria-label': 'Network of the case subject' } });
  const selected = el('div', { class: 'network-selected', attrs: { 'aria-live': 'polite' } }, el('p', { class: 'muted' }, 'Click a node to see its figures.'));
  const summary = el('p', { class: 'muted network-summary', dataset: { testid: 'network-summary' } });
  const table = el('div', { class: 'network-table' });
  const element = el(
    'div',
    { class: 'network' },
    summary,
    el('div', { class: 'network-body' }, canvas, el('aside', { class: 'network-side' }, legend(), selected)),
    table,
  );
  let cy;

  function destroy() {
    cy?.destroy();
    cy = undefined;
  }

  return {
    element,
    /** Draws one answer, replacing what was drawn. */
    show(network) {
      destroy();
      const nodes = network?.nodes ?? [];
      const edges = network?.edges ?? [];
      replace(selected, el('p', { class: 'muted' }, 'Click a node to see its figures.'));
      replace(summary, describe(nodes, edges, network?.truncated));
      replace(table, nodeTable(nodes));
      if (nodes.length === 0) {
        canvas.replaceChildren(el('p', { class: 'muted network-empty' }, 'No payments link anything to the subject in this window.'));
        canvas.dataset.nodes = '0';
        return;
      }
      canvas.replaceChildren();
      const ids = new Set(nodes.map((n) => n.id));
      cy = cytoscape({
        container: canvas,
        elements: [
          ...nodes.map((n) => ({ group: 'nodes', data: { ...n, label: n.label || n.id } })),
          // An edge whose end was left out (the answer truncated) would stop cytoscape: skipped.
          ...edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e, i) => ({ group: 'edges', data: { id: `e${i}`, ...e } })),
        ],
        style: STYLE,
        layout: layoutFor(nodes.length),
        minZoom: 0.15,
        maxZoom: 4,
        boxSelectionEnabled: false,
        autoungrabify: false,
      });
      cy.on('tap', 'node', (event) => replace(selected, nodeFacts(event.target.data())));
      cy.on('tap', (event) => {
        if (event.target === cy) replace(selected, el('p', { class: 'muted' }, 'Click a node to see its figures.'));
      });
      const subject = cy.nodes('[?subject]');
      Object.assign(canvas.dataset, {
        nodes: String(cy.nodes().length),
        edges: String(cy.edges().length),
        subject: subject.length ? subject.id() : '',
        subjectLinks: String(subject.length ? subject.neighborhood('node').length : 0),
        suspicious: String(cy.nodes('[?suspicious]').length),
      });
    },
    /** While a new window loads. */
    loading() {
      destroy();
      replace(summary, 'Loading the network…');
      canvas.replaceChildren();
      delete canvas.dataset.nodes;
      replace(table);
    },
    failed(box) {
      destroy();
      replace(summary);
      canvas.replaceChildren(box);
      replace(table);
    },
    destroy,
  };
}

/**
 * Force-directed for a readable network of up to a few hundred nodes; larger ones by
 * rings around the subject, hop by hop, which stays fast whatever the size.
 */
function layoutFor(count) {
  if (count > 400) return { name: 'concentric', concentric: (n) => 2 - n.data('hop'), levelWidth: () => 1, animate: false, padding: 20 };
  return { name: 'cose', animate: false, padding: 24, nodeRepulsion: () => 9000, idealEdgeLength: () => 45, gravity: 0.6, numIter: 1500, randomize: true };
}

function describe(nodes, edges, truncated) {
  const byKind = Object.keys(NODE_KINDS).map((k) => [k, nodes.filter((n) => n.kind === k).length]).filter(([, n]) => n > 0);
  const suspicious = nodes.filter((n) => n.suspicious).length;
  const parts = byKind.map(([k, n]) => `${formatCount(n)} ${NODE_KINDS[k].label.toLowerCase()}${n === 1 ? '' : k === 'ip' ? 'es' : 's'}`);
  return `${formatCount(nodes.length)} nodes (${parts.join(', ') || 'none'}), ${formatCount(edges.length)} links, ${formatCount(suspicious)} suspicious${
    truncated ? ' · some were left out to keep the picture readable' : ''
  }`;
}

function legend() {
  const item = (swatch, text) => el('li', {}, swatch, el('span', {}, text));
  return el(
    'ul',
    { class: 'network-legend', attrs: { 'aria-label': 'Legend' } },
    Object.entries(NODE_KINDS).map(([kind, k]) => item(el('span', { class: `legend-swatch legend-${kind}`, style: { '--swatch': k.colour } }), k.label)),
    item(el('span', { class: 'legend-swatch legend-subject' }), 'The case subject'),
    item(el('span', { class: 'legend-swatch legend-suspicious' }), 'Suspicious: declined or alerted payments'),
    item(el('span', { class: 'legend-swatch legend-hub' }), 'Busy merchant, not expanded'),
  );
}

function nodeFacts(n) {
  return el(
    'div',
    { dataset: { testid: 'network-node' } },
    el('h3', {}, NODE_KINDS[n.kind]?.label ?? n.kind),
    facts([
      ['Id', el('code', {}, n.id)],
      ['Name', n.kind === 'merchant' ? n.label : ''],
      ['Participant', n.participant ?? ''],
      ['Hop', n.subject ? 'the subject' : String(n.hop)],
      ['Payments', formatCount(n.payments)],
      ['Declined', formatCount(n.declined)],
      ['Alerted', formatCount(n.alerted)],
      ['Suspicious', n.suspicious ? 'yes' : 'no'],
    ]),
  );
}

function nodeTable(nodes) {
  if (nodes.length === 0) return null;
  const sorted = [...nodes].sort((a, b) => a.hop - b.hop || Number(b.suspicious) - Number(a.suspicious) || b.payments - a.payments);
  return el(
    'details',
    { class: 'network-nodes' },
    el('summary', {}, `Every node as a table (${formatCount(nodes.length)})`),
    el(
      'table',
      { class: 'table figure-table', attrs: { 'aria-label': 'Network nodes' } },
      el('thead', {}, el('tr', {}, ['Kind', 'Node', 'Hop', 'Payments', 'Declined', 'Alerted', 'Suspicious'].map((h, i) => el('th', { scope: 'col', class: i >= 2 && i <= 5 ? 'num' : '' }, h)))),
      el(
        'tbody',
        {},
        sorted.map((n) =>
          el(
            'tr',
            { dataset: { node: n.id } },
            el('td', {}, NODE_KINDS[n.kind]?.label ?? n.kind),
            el('td', { class: 'nowrap' }, el('code', {}, n.label || n.id), n.participant ? el('span', { class: 'muted' }, ` at ${n.participant}`) : null),
            el('td', { class: 'num' }, n.subject ? 'subject' : String(n.hop)),
            el('td', { class: 'num' }, formatCount(n.payments)),
            el('td', { class: 'num' }, formatCount(n.declined)),
            el('td', { class: 'num' }, formatCount(n.alerted)),
            el('td', {}, n.suspicious ? el('span', { class: 'badge badge-suspicious' }, 'suspicious') : ''),
          ),
        ),
      ),
    ),
  );
}

// Draws the user–device–IP graph of GET /admin/api/graph with cytoscape (loaded as
// /admin/assets/vendor/cytoscape.min.js). Clicking a node opens its page. The container's
// `data-nodes` and `data-edges` say what was drawn (tests read them).
import { api, link } from './lib.js'

const COLOURS = { user: '#2f5d9e', device: '#4f7f4a', fraud: '#b3261e', ip: '#8a6d3b' }

/** @param {HTMLElement} container @param {{ device?: string, user?: string }} centre */
export async function drawGraph(container, centre) {
  const query = centre.device ? `device=${encodeURIComponent(centre.device)}` : `user=${encodeURIComponent(centre.user)}`
  const graph = await api(`graph?${query}`)
  const elements = [
    ...graph.nodes.map((n) => ({
      data: {
        id: n.id,
        label: n.label,
        kind: n.kind,
        key: n.key,
        colour: n.kind === 'device' && n.status === 'fraud' ? COLOURS.fraud : COLOURS[n.kind],
        status: n.status ?? '',
      },
      classes: [n.kind, n.centre ? 'centre' : ''].join(' '),
    })),
    ...graph.edges.map((e) => ({
      data: {
        id: e.id,
        source: e.source,
        target: e.target,
        kind: e.kind,
        label: e.kind === 'from' ? `${e.count ?? 1}×` : e.kind === 'same-browser' ? 'same stored id' : e.trusted ? 'trusted' : '',
      },
      classes: e.kind,
    })),
  ]
  const cy = window.cytoscape({
    container,
    elements,
    minZoom: 0.2,
    maxZoom: 1.6,
    style: [
      {
        selector: 'node',
        style: {
          'background-color': 'data(colour)',
          label: 'data(label)',
          color: '#1d1d1b',
          'font-size': 11,
          'text-valign': 'bottom',
          'text-margin-y': 4,
          width: 26,
          height: 26,
        },
      },
      { selector: 'node.user', style: { shape: 'ellipse' } },
      { selector: 'node.device', style: { shape: 'round-rectangle' } },
      { selector: 'node.ip', style: { shape: 'diamond', width: 20, height: 20 } },
      { selector: 'node.centre', style: { width: 38, height: 38, 'border-width': 3, 'border-color': '#1d1d1b', 'font-weight': 'bold' } },
      {
        selector: 'edge',
        style: {
          width: 2,
          'line-color': '#b9b9b3',
          'curve-style': 'bezier',
          label: 'data(label)',
          'font-size': 9,
          color: '#666',
          'text-background-color': '#fff',
          'text-background-opacity': 1,
        },
      },
      { selector: 'edge.same-browser', style: { 'line-style': 'dashed', 'line-color': '#b3261e' } },
      { selector: 'edge.from', style: { 'line-color': '#d9cdb3' } },
    ],
    layout: { name: 'cose', animate: false, padding: 30, nodeRepulsion: () => 9000, idealEdgeLength: () => 90, randomize: false },
  })
  cy.on('tap', 'node', (event) => {
    const { kind, key } = event.target.data()
    if (kind === 'user') location.href = link(`/users/${encodeURIComponent(key)}`)
    else if (kind === 'device') location.href = link(`/devices/${encodeURIComponent(key)}`)
    else if (kind === 'ip') location.href = link(`?ip=${encodeURIComponent(key)}`)
  })
  container.dataset.nodes = String(cy.nodes().length)
  container.dataset.edges = String(cy.edges().length)
  if (graph.truncated) container.dataset.truncated = 'true'
  return cy
}

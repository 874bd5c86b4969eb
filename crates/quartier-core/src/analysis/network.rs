//! Walking distances on a street network: a graph from line geometry in metres, every point
//! snapped to its nearest street, and the distance from each origin to the nearest of many
//! POIs by one multi-source Dijkstra run.
//!
//! Nodes are the line ends, merged when closer than [`SNAP_TOLERANCE`]; lines that cross
//! without a shared end do not connect (bridges, tunnels). Only the largest connected part is
//! used; the rest is counted as unconnected. Edges are undirected (walking ignores one-way
//! streets) and weigh their length.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use geo::{Euclidean, Length, LineString};
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use super::access::Origin;

/// Line ends closer than this many metres become one node.
pub const SNAP_TOLERANCE: f64 = 1.0;

/// One street segment in the index: (edge, metres along the edge where it starts).
type Segment = GeomWithData<Line<[f64; 2]>, (usize, f64)>;

/// A point's place on the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge.
    pub edge: usize,
    /// Metres along the edge from its first node.
    pub along: f64,
    /// Straight-line metres from the point to the edge.
    pub offset: f64,
}

/// A street graph.
pub struct Network {
    nodes: usize,
    /// (from node, to node, length in metres).
    edges: Vec<(usize, usize, f64)>,
    adjacency: Vec<Vec<(usize, f64)>>,
    segments: RTree<Segment>,
}

/// The graph and what was left out.
pub struct Built {
    /// The largest connected part.
    pub network: Network,
    /// Connected parts before keeping the largest.
    pub components: usize,
    /// Lines outside the largest part.
    pub unconnected_lines: usize,
}

/// An entry of Dijkstra's queue, smallest distance first.
#[derive(PartialEq)]
struct Queued(f64, usize);

impl Eq for Queued {}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Network {
    /// Builds the graph from lines in metres.
    pub fn build(lines: &[LineString<f64>], tolerance: f64) -> Built {
        // Line ends → nodes, merging ends within the tolerance (grid hashing).
        let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
        let mut positions: Vec<[f64; 2]> = Vec::new();
        let mut node_of = |x: f64, y: f64| -> usize {
            let cell = ((x / tolerance).floor() as i64, (y / tolerance).floor() as i64);
            for dx in -1..=1 {
                for dy in -1..=1 {
                    if let Some(ids) = grid.get(&(cell.0 + dx, cell.1 + dy)) {
                        for &id in ids {
                            let p = positions[id];
                            if (p[0] - x).powi(2) + (p[1] - y).powi(2) <= tolerance * tolerance {
                                return id;
                            }
                        }
                    }
                }
            }
            positions.push([x, y]);
            grid.entry(cell).or_default().push(positions.len() - 1);
            positions.len() - 1
        };
        let mut raw_edges = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let (Some(first), Some(last)) = (l.0.first(), l.0.last()) else {
                continue;
            };
            let (u, v) = (node_of(first.x, first.y), node_of(last.x, last.y));
            raw_edges.push((u, v, Euclidean.length(l), i));
        }
        // Connected parts (union-find); keep the largest by length.
        let mut parent: Vec<usize> = (0..positions.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for &(u, v, _, _) in &raw_edges {
            let (a, b) = (root(&mut parent, u), root(&mut parent, v));
            if a != b {
                parent[a] = b;
            }
        }
        let mut length_of: HashMap<usize, f64> = HashMap::new();
        for &(u, _, len, _) in &raw_edges {
            *length_of.entry(root(&mut parent, u)).or_default() += len;
        }
        let components = length_of.len();
        let main = length_of
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(usize::MAX, |(r, _)| *r);
        let mut edges = Vec::new();
        let mut segments = Vec::new();
        let mut unconnected_lines = 0;
        for &(u, v, len, line) in &raw_edges {
            if root(&mut parent, u) != main {
                unconnected_lines += 1;
                continue;
            }
            let edge = edges.len();
            edges.push((u, v, len));
            let mut offset = 0.0;
            for w in lines[line].0.windows(2) {
                let (a, b) = ([w[0].x, w[0].y], [w[1].x, w[1].y]);
                segments.push(GeomWithData::new(Line::new(a, b), (edge, offset)));
                offset += ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
            }
        }
        let mut adjacency = vec![Vec::new(); positions.len()];
        for &(u, v, len) in &edges {
            adjacency[u].push((v, len));
            adjacency[v].push((u, len));
        }
        Built {
            network: Network {
                nodes: positions.len(),
                edges,
                adjacency,
                segments: RTree::bulk_load(segments),
            },
            components,
            unconnected_lines,
        }
    }

    /// Graph nodes (including those of unconnected parts, which have no edges).
    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// Total length of the used streets in metres.
    pub fn total_length(&self) -> f64 {
        self.edges.iter().map(|e| e.2).sum()
    }

    /// The nearest place on the network.
    pub fn snap(&self, x: f64, y: f64) -> Option<Snap> {
        let seg = self.segments.nearest_neighbor(&[x, y])?;
        let (a, b) = (seg.geom().from, seg.geom().to);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((x - a[0]) * dx + (y - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (px, py) = (a[0] + t * dx, a[1] + t * dy);
        let (edge, start) = seg.data;
        Some(Snap {
            edge,
            along: start + t * len2.sqrt(),
            offset: ((x - px).powi(2) + (y - py).powi(2)).sqrt(),
        })
    }

    /// For each origin, the walking distance to the nearest source (POI): the way from the
    /// origin to its street, along the streets, and from the street to the POI.
    pub fn nearest_source_distances(&self, sources: &[[f64; 2]], origins: &[Origin]) -> crate::Result<Vec<f64>> {
        let snapped: Vec<Snap> = sources.iter().filter_map(|p| self.snap(p[0], p[1])).collect();
        // Multi-source Dijkstra: every POI starts at both ends of its edge.
        let mut dist = vec![f64::INFINITY; self.nodes];
        let mut heap = BinaryHeap::new();
        let mut on_edge: HashMap<usize, Vec<(f64, f64)>> = HashMap::new();
        for s in &snapped {
            let (u, v, len) = self.edges[s.edge];
            for (node, d) in [(u, s.offset + s.along), (v, s.offset + (len - s.along).max(0.0))] {
                if d < dist[node] {
                    dist[node] = d;
                    heap.push(Queued(d, node));
                }
            }
            on_edge.entry(s.edge).or_default().push((s.along, s.offset));
        }
        while let Some(Queued(d, node)) = heap.pop() {
            if d > dist[node] {
                continue;
            }
            for &(next, len) in &self.adjacency[node] {
                let nd = d + len;
                if nd < dist[next] {
                    dist[next] = nd;
                    heap.push(Queued(nd, next));
                }
            }
        }
        crate::progress::map_parallel(origins, &crate::NoProgress, "Netzentfernungen", |_, o| {
            let Some(s) = self.snap(o.x, o.y) else {
                return f64::INFINITY;
            };
            let (u, v, len) = self.edges[s.edge];
            let via_nodes = (dist[u] + s.along).min(dist[v] + (len - s.along).max(0.0));
            let same_edge = on_edge.get(&s.edge).map_or(f64::INFINITY, |pois| {
                pois.iter()
                    .map(|(along, offset)| (along - s.along).abs() + offset)
                    .fold(f64::INFINITY, f64::min)
            });
            s.offset + via_nodes.min(same_edge)
        })
    }
}

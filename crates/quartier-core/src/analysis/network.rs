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

use super::origins::Origin;

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
    /// Node coordinates in metres.
    positions: Vec<[f64; 2]>,
    /// Node → the edges at it.
    edge_index: HashMap<usize, Vec<usize>>,
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
        let mut edge_index: HashMap<usize, Vec<usize>> = HashMap::new();
        for (e, &(u, v, len)) in edges.iter().enumerate() {
            adjacency[u].push((v, len));
            adjacency[v].push((u, len));
            edge_index.entry(u).or_default().push(e);
            edge_index.entry(v).or_default().push(e);
        }
        Built {
            network: Network {
                nodes: positions.len(),
                edges,
                adjacency,
                segments: RTree::bulk_load(segments),
                positions,
                edge_index,
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

    /// Dijkstra from one snapped point, up to `limit` metres: node → distance.
    fn reach(&self, from: &Snap, limit: f64) -> HashMap<usize, f64> {
        let (u, v, len) = self.edges[from.edge];
        let mut dist: HashMap<usize, f64> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for (node, d) in [
            (u, from.offset + from.along),
            (v, from.offset + (len - from.along).max(0.0)),
        ] {
            if d <= limit && d < *dist.get(&node).unwrap_or(&f64::INFINITY) {
                dist.insert(node, d);
                heap.push(Queued(d, node));
            }
        }
        while let Some(Queued(d, node)) = heap.pop() {
            if d > *dist.get(&node).unwrap_or(&f64::INFINITY) {
                continue;
            }
            for &(next, l) in &self.adjacency[node] {
                let nd = d + l;
                if nd <= limit && nd < *dist.get(&next).unwrap_or(&f64::INFINITY) {
                    dist.insert(next, nd);
                    heap.push(Queued(nd, next));
                }
            }
        }
        dist
    }

    /// Every (origin, source, walking distance) with a distance up to `radius` metres: a
    /// bounded search from each source, on all cores. For counts within radii and catchments.
    pub fn pairs_within(
        &self,
        sources: &[[f64; 2]],
        origins: &[Origin],
        radius: f64,
    ) -> crate::Result<Vec<(usize, usize, f64)>> {
        let origin_snaps: Vec<Option<Snap>> = origins.iter().map(|o| self.snap(o.x, o.y)).collect();
        let mut on_edge: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, s) in origin_snaps.iter().enumerate() {
            if let Some(s) = s {
                on_edge.entry(s.edge).or_default().push(i);
            }
        }
        let per_source = crate::progress::map_parallel(sources, &crate::NoProgress, "Netz-Einzugsbereiche", |j, p| {
            let mut pairs = Vec::new();
            let Some(from) = self.snap(p[0], p[1]) else {
                return pairs;
            };
            let reached = self.reach(&from, radius);
            let mut edges: Vec<usize> = reached
                .keys()
                .flat_map(|&n| self.adjacency_edges(n))
                .chain(std::iter::once(from.edge))
                .collect();
            edges.sort_unstable();
            edges.dedup();
            for e in edges {
                let (u, v, len) = self.edges[e];
                for &i in on_edge.get(&e).map_or(&[][..], Vec::as_slice) {
                    let Some(s) = origin_snaps[i] else { continue };
                    let mut d = s.offset
                        + (reached.get(&u).map_or(f64::INFINITY, |du| du + s.along)).min(
                            reached
                                .get(&v)
                                .map_or(f64::INFINITY, |dv| dv + (len - s.along).max(0.0)),
                        );
                    if e == from.edge {
                        d = d.min(s.offset + (s.along - from.along).abs() + from.offset);
                    }
                    if d <= radius {
                        pairs.push((i, j, d));
                    }
                }
            }
            pairs
        })?;
        Ok(per_source.into_iter().flatten().collect())
    }

    /// The edges at a node (indices), found through the adjacency of the graph.
    fn adjacency_edges(&self, node: usize) -> Vec<usize> {
        self.edge_index.get(&node).cloned().unwrap_or_default()
    }

    /// The area reachable on foot within `radius` metres of a point: the reached streets
    /// (up to where the limit cuts them, straight between crossings) and the way from the point
    /// to its street, widened by `width` metres on each side (a street buffer, as service-area
    /// maps draw it). `None` when the point is farther than `radius` from every street.
    pub fn isochrone(&self, x: f64, y: f64, radius: f64, width: f64) -> Option<geo::MultiPolygon<f64>> {
        use geo::Buffer;
        let from = self.snap(x, y)?;
        if from.offset > radius {
            return None;
        }
        let reached = self.reach(&from, radius);
        let point = |p: [f64; 2]| geo::Coord { x: p[0], y: p[1] };
        let mut pieces: Vec<LineString<f64>> = Vec::new();
        // The start edge: from the snapped point along its edge as far as the limit allows.
        let (u, v, len) = self.edges[from.edge];
        let left = radius - from.offset;
        let along_point = |t: f64| {
            let (a, b) = (self.positions[u], self.positions[v]);
            let f = if len > 0.0 { (t / len).clamp(0.0, 1.0) } else { 0.0 };
            geo::Coord {
                x: a[0] + f * (b[0] - a[0]),
                y: a[1] + f * (b[1] - a[1]),
            }
        };
        pieces.push(LineString(vec![
            along_point((from.along - left).max(0.0)),
            along_point((from.along + left).min(len)),
        ]));
        for (&n, &d) in &reached {
            for &(next, l) in &self.adjacency[n] {
                let rest = radius - d;
                let end = if rest >= l || l == 0.0 {
                    point(self.positions[next])
                } else {
                    let (a, b) = (self.positions[n], self.positions[next]);
                    let t = rest / l;
                    geo::Coord {
                        x: a[0] + t * (b[0] - a[0]),
                        y: a[1] + t * (b[1] - a[1]),
                    }
                };
                pieces.push(LineString(vec![point(self.positions[n]), end]));
            }
        }
        let snapped = along_point(from.along);
        pieces.push(LineString(vec![geo::Coord { x, y }, snapped]));
        Some(geo::MultiLineString(pieces).buffer(width))
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

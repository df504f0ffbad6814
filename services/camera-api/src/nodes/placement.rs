//! Which node serves each camera: a pure function of the nodes, their
//! health and where the cameras are now, so every rule is tested without a
//! MediaMTX.
//!
//! The rules, in order:
//! - A camera stays where it is while its node serves it: the node answers
//!   (or has been silent for less than the failover time), is not
//!   draining, carries the labels the camera asks for, and has room.
//! - Any other camera goes to the node with the most room in proportion to
//!   its size among those that answer, are not draining and carry its
//!   labels, preferring nodes that have answered for the settle time. With
//!   none, it stays on a node that still answers (a draining one), else it
//!   has no node.
//! - Then, a few cameras at a time, the fullest nodes give cameras to the
//!   emptiest settled ones (a node back from a failure refills gradually),
//!   only while that evens them out, never a recording camera (its
//!   recordings stay where they were made) and never one placed within the
//!   settle time (no camera moves twice in a row).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use crate::validation::Labels;

/// What placement knows of a node.
#[derive(Debug, Clone)]
pub struct NodeSlot {
    pub id: i64,
    pub max_cameras: usize,
    pub labels: Labels,
    pub draining: bool,
    pub health: Health,
}

/// A node's health as last seen: answering or not, and since when without
/// a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Not checked yet (a replica that just began to lead): trusted until
    /// the first check says otherwise, so a new leader moves nothing.
    Unknown,
    Up {
        since: DateTime<Utc>,
    },
    Down {
        since: DateTime<Utc>,
    },
}

/// What placement knows of an enabled camera.
#[derive(Debug, Clone)]
pub struct CameraSlot {
    pub id: i64,
    pub node: Option<i64>,
    pub placed_at: Option<DateTime<Utc>>,
    /// Labels its node must carry.
    pub wants: Labels,
    pub recording: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// How long a node may be silent before its cameras go elsewhere.
    pub failover_after: Duration,
    /// How long a node must answer before cameras are moved onto it to even
    /// out the load, and how long a placed camera stays before it may be
    /// moved for that.
    pub settle: Duration,
    /// The most cameras moved per pass to even out the load.
    pub rebalance_step: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub camera: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub why: Why,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// It had no node.
    New,
    /// Its node stopped answering for longer than the failover time.
    Failover,
    /// Its node is draining, lost the labels it wants, or is over its size.
    Evicted,
    /// To even out the load.
    Rebalance,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Failover => "failover",
            Self::Evicted => "evicted",
            Self::Rebalance => "rebalance",
        }
    }
}

/// The moves that take the cameras from where they are to where they
/// should be, and the cameras no node can properly take (they stay on a
/// draining node that still answers, or have none).
#[derive(Debug, Default)]
pub struct Plan {
    pub moves: Vec<Move>,
    pub stranded: Vec<i64>,
}

struct Node<'a> {
    slot: &'a NodeSlot,
    load: usize,
}

impl Node<'_> {
    fn answers(&self) -> bool {
        matches!(self.slot.health, Health::Up { .. } | Health::Unknown)
    }

    /// Still trusted with the cameras it has.
    fn serves(&self, now: DateTime<Utc>, rules: &Rules) -> bool {
        match self.slot.health {
            Health::Down { since } => !longer_than(now, since, rules.failover_after),
            _ => true,
        }
    }

    fn settled(&self, now: DateTime<Utc>, rules: &Rules) -> bool {
        match self.slot.health {
            Health::Up { since } => longer_than(now, since, rules.settle),
            Health::Unknown => true,
            Health::Down { .. } => false,
        }
    }

    fn has_room(&self) -> bool {
        self.load < self.slot.max_cameras
    }

    fn fits(&self, camera: &CameraSlot) -> bool {
        camera
            .wants
            .iter()
            .all(|(key, value)| self.slot.labels.get(key) == Some(value))
    }

    /// Takes a camera placed now.
    fn takes(&self, camera: &CameraSlot) -> bool {
        self.answers() && !self.slot.draining && self.has_room() && self.fits(camera)
    }

    /// Load in proportion to size: what placement evens out.
    fn fill(&self) -> f64 {
        self.load as f64 / self.slot.max_cameras as f64
    }
}

fn longer_than(now: DateTime<Utc>, since: DateTime<Utc>, span: Duration) -> bool {
    (now - since).to_std().is_ok_and(|elapsed| elapsed >= span)
}

pub fn place(
    nodes: &[NodeSlot],
    cameras: &[CameraSlot],
    now: DateTime<Utc>,
    rules: &Rules,
) -> Plan {
    let mut nodes: BTreeMap<i64, Node> = nodes
        .iter()
        .map(|slot| (slot.id, Node { slot, load: 0 }))
        .collect();
    let mut plan = Plan::default();
    let mut at: HashMap<i64, Option<i64>> = HashMap::new();

    // Those longest in place keep their place first.
    let mut by_seniority: Vec<&CameraSlot> = cameras.iter().collect();
    by_seniority.sort_by_key(|camera| (camera.placed_at.is_none(), camera.placed_at, camera.id));
    let mut unplaced = Vec::new();
    for camera in by_seniority {
        let kept = camera
            .node
            .and_then(|id| nodes.get_mut(&id))
            .filter(|node| {
                node.serves(now, rules)
                    && !node.slot.draining
                    && node.fits(camera)
                    && node.has_room()
            });
        match kept {
            Some(node) => {
                node.load += 1;
                at.insert(camera.id, camera.node);
            }
            None => unplaced.push(camera),
        }
    }

    unplaced.sort_by_key(|camera| camera.id);
    for camera in unplaced {
        let current = camera.node.and_then(|id| nodes.get(&id));
        let why = match current {
            None => Why::New,
            Some(node) if !node.serves(now, rules) => Why::Failover,
            Some(_) => Why::Evicted,
        };
        let best = best_for(nodes.values(), camera, now, rules);
        let to = best.or(current
            .filter(|node| node.answers() && node.serves(now, rules))
            .map(|node| node.slot.id));
        if let Some(id) = to
            && let Some(node) = nodes.get_mut(&id)
        {
            node.load += 1;
        }
        if best.is_none() {
            plan.stranded.push(camera.id);
        }
        at.insert(camera.id, to);
        if to != camera.node {
            plan.moves.push(Move {
                camera: camera.id,
                from: camera.node,
                to,
                why,
            });
        }
    }

    rebalance(&mut nodes, cameras, &mut at, &mut plan, now, rules);
    plan
}

/// The node a camera placed now goes to: the emptiest in proportion to its
/// size among those that take it, settled ones first.
fn best_for<'a>(
    nodes: impl Iterator<Item = &'a Node<'a>>,
    camera: &CameraSlot,
    now: DateTime<Utc>,
    rules: &Rules,
) -> Option<i64> {
    nodes
        .filter(|node| node.takes(camera))
        .min_by(|a, b| {
            let key = |node: &Node| (!node.settled(now, rules), node.fill());
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|node| node.slot.id)
}

/// Where one camera without a node goes, given how many cameras each node
/// has (`loads`): what `place` would decide for it, without reading every
/// other camera, for a camera just created or enabled. `None`: no node can
/// take it.
pub fn place_new(
    nodes: &[NodeSlot],
    loads: &HashMap<i64, usize>,
    camera: &CameraSlot,
    now: DateTime<Utc>,
    rules: &Rules,
) -> Option<i64> {
    let nodes: Vec<Node> = nodes
        .iter()
        .map(|slot| Node {
            slot,
            load: loads.get(&slot.id).copied().unwrap_or(0),
        })
        .collect();
    best_for(nodes.iter(), camera, now, rules)
}

fn rebalance(
    nodes: &mut BTreeMap<i64, Node>,
    cameras: &[CameraSlot],
    at: &mut HashMap<i64, Option<i64>>,
    plan: &mut Plan,
    now: DateTime<Utc>,
    rules: &Rules,
) {
    let moved_already: Vec<i64> = plan.moves.iter().map(|m| m.camera).collect();
    let mut movable: Vec<&CameraSlot> = cameras
        .iter()
        .filter(|camera| {
            !camera.recording
                && !moved_already.contains(&camera.id)
                && camera
                    .placed_at
                    .is_some_and(|placed| longer_than(now, placed, rules.settle))
        })
        .collect();
    // The newest placements move first: the ones longest in place stay.
    movable.sort_by_key(|camera| std::cmp::Reverse((camera.placed_at, camera.id)));
    for _ in 0..rules.rebalance_step {
        let candidate = movable.iter().enumerate().find_map(|(index, camera)| {
            let from = nodes.get(&at.get(&camera.id).copied().flatten()?)?;
            let to = nodes
                .values()
                .filter(|node| node.takes(camera) && node.settled(now, rules))
                .min_by(|a, b| {
                    a.fill()
                        .partial_cmp(&b.fill())
                        .unwrap_or(std::cmp::Ordering::Equal)
                })?;
            // Only a move that leaves the receiver below where the giver
            // was evens things out; anything else would just swap them.
            let after = (to.load + 1) as f64 / to.slot.max_cameras as f64;
            let gives_from = from.fill();
            (from.slot.id != to.slot.id && after < gives_from && is_fullest(nodes, from))
                .then_some((index, camera.id, from.slot.id, to.slot.id))
        });
        let Some((index, camera, from, to)) = candidate else {
            break;
        };
        movable.remove(index);
        if let Some(node) = nodes.get_mut(&from) {
            node.load -= 1;
        }
        if let Some(node) = nodes.get_mut(&to) {
            node.load += 1;
        }
        at.insert(camera, Some(to));
        plan.moves.push(Move {
            camera,
            from: Some(from),
            to: Some(to),
            why: Why::Rebalance,
        });
    }
}

/// Whether no node serving cameras is fuller than `node`.
fn is_fullest(nodes: &BTreeMap<i64, Node>, node: &Node) -> bool {
    nodes
        .values()
        .filter(|other| other.load > 0)
        .all(|other| other.fill() <= node.fill())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        failover_after: Duration::from_secs(15),
        settle: Duration::from_secs(30),
        rebalance_step: 1000,
    };

    fn now() -> DateTime<Utc> {
        "2026-12-04T12:00:00Z".parse().unwrap()
    }

    fn ago(seconds: i64) -> DateTime<Utc> {
        now() - chrono::Duration::seconds(seconds)
    }

    fn node(id: i64, max_cameras: usize, health: Health) -> NodeSlot {
        NodeSlot {
            id,
            max_cameras,
            labels: Labels::new(),
            draining: false,
            health,
        }
    }

    fn up(id: i64, max_cameras: usize) -> NodeSlot {
        node(id, max_cameras, Health::Up { since: ago(3600) })
    }

    fn camera(id: i64, node: Option<i64>) -> CameraSlot {
        CameraSlot {
            id,
            node,
            placed_at: node.map(|_| ago(3600)),
            wants: Labels::new(),
            recording: false,
        }
    }

    /// Where each camera ends up after `plan`.
    fn applied(cameras: &[CameraSlot], plan: &Plan) -> BTreeMap<i64, Option<i64>> {
        let mut at: BTreeMap<i64, Option<i64>> = cameras
            .iter()
            .map(|camera| (camera.id, camera.node))
            .collect();
        for step in &plan.moves {
            at.insert(step.camera, step.to);
        }
        at
    }

    fn loads(at: &BTreeMap<i64, Option<i64>>) -> BTreeMap<i64, usize> {
        let mut loads = BTreeMap::new();
        for node in at.values().flatten() {
            *loads.entry(*node).or_default() += 1;
        }
        loads
    }

    #[test]
    fn new_cameras_spread_in_proportion_to_size_and_within_it() {
        let nodes = [up(1, 100), up(2, 100), up(3, 50)];
        let cameras: Vec<CameraSlot> = (1..=250).map(|id| camera(id, None)).collect();
        let plan = place(&nodes, &cameras, now(), &RULES);
        let loads = loads(&applied(&cameras, &plan));
        assert_eq!(loads, BTreeMap::from([(1, 100), (2, 100), (3, 50)]));
        assert!(plan.stranded.is_empty());
        assert!(plan.moves.iter().all(|step| step.why == Why::New));

        let more: Vec<CameraSlot> = (1..=260).map(|id| camera(id, None)).collect();
        let plan = place(&nodes, &more, now(), &RULES);
        assert_eq!(plan.stranded.len(), 10, "no node is filled past its size");
    }

    #[test]
    fn one_new_camera_goes_where_a_whole_placement_would_put_it() {
        let mut nodes = [up(1, 100), up(2, 50), up(3, 100)];
        nodes[2].labels.insert("site".into(), "south".into());
        let loads = HashMap::from([(1, 40), (2, 10), (3, 90)]);
        let mut cameras: Vec<CameraSlot> = Vec::new();
        for (node, load) in &loads {
            cameras.extend((0..*load).map(|n| camera(node * 1000 + n as i64, Some(*node))));
        }
        let mut new = camera(1, None);
        for wants in [None, Some("south"), Some("west")] {
            new.wants = wants
                .map(|site| Labels::from([("site".to_owned(), site.to_owned())]))
                .unwrap_or_default();
            let mut all = cameras.clone();
            all.push(new.clone());
            let whole = place(
                &nodes,
                &all,
                now(),
                &Rules {
                    rebalance_step: 0,
                    ..RULES
                },
            );
            let expected = whole
                .moves
                .iter()
                .find(|step| step.camera == 1)
                .and_then(|step| step.to);
            assert_eq!(
                place_new(&nodes, &loads, &new, now(), &RULES),
                expected,
                "{wants:?}"
            );
        }
        new.wants.clear();
        assert_eq!(
            place_new(&nodes, &loads, &new, now(), &RULES),
            Some(2),
            "the emptiest for its size"
        );
        new.wants.insert("site".into(), "south".into());
        assert_eq!(place_new(&nodes, &loads, &new, now(), &RULES), Some(3));
        new.wants.insert("site".into(), "west".into());
        assert_eq!(place_new(&nodes, &loads, &new, now(), &RULES), None);
    }

    #[test]
    fn placed_cameras_stay_put_when_nothing_is_wrong() {
        let nodes = [up(1, 100), up(2, 100)];
        let mut cameras: Vec<CameraSlot> = (1..=10).map(|id| camera(id, Some(1))).collect();
        cameras.extend((11..=12).map(|id| camera(id, Some(2))));
        let plan = place(
            &nodes,
            &cameras,
            now(),
            &Rules {
                rebalance_step: 0,
                ..RULES
            },
        );
        assert!(plan.moves.is_empty(), "{:?}", plan.moves);
    }

    #[test]
    fn a_node_silent_past_the_failover_time_loses_its_cameras_and_not_before() {
        let mut nodes = [
            up(1, 100),
            up(2, 100),
            node(3, 100, Health::Down { since: ago(10) }),
        ];
        let cameras: Vec<CameraSlot> = (1..=30).map(|id| camera(id, Some(id % 3 + 1))).collect();
        let plan = place(&nodes, &cameras, now(), &RULES);
        assert!(
            plan.moves.is_empty(),
            "a blip moves nothing: {:?}",
            plan.moves
        );

        nodes[2].health = Health::Down { since: ago(16) };
        let plan = place(&nodes, &cameras, now(), &RULES);
        assert_eq!(plan.moves.len(), 10);
        assert!(
            plan.moves
                .iter()
                .all(|step| step.from == Some(3) && step.why == Why::Failover)
        );
        assert_eq!(
            loads(&applied(&cameras, &plan)),
            BTreeMap::from([(1, 15), (2, 15)])
        );
    }

    #[test]
    fn a_returning_node_refills_gradually_once_settled_and_no_camera_moves_twice() {
        let back = |since| [up(1, 100), up(2, 100), node(3, 100, Health::Up { since })];
        // After a failover: 1 and 2 hold all 30, the failed-over ones
        // placed 20 s ago.
        let mut cameras: Vec<CameraSlot> =
            (1..=30).map(|id| camera(id, Some(id % 2 + 1))).collect();
        for camera in cameras.iter_mut().filter(|camera| camera.id > 20) {
            camera.placed_at = Some(ago(20));
        }
        let plan = place(&back(ago(5)), &cameras, now(), &RULES);
        assert!(plan.moves.is_empty(), "not settled yet: {:?}", plan.moves);

        let rules = Rules {
            rebalance_step: 4,
            ..RULES
        };
        let mut at = applied(&cameras, &Plan::default());
        let mut moved = BTreeMap::<i64, usize>::new();
        for pass in 0..10 {
            let current: Vec<CameraSlot> = cameras
                .iter()
                .map(|camera| CameraSlot {
                    node: at[&camera.id],
                    ..camera.clone()
                })
                .collect();
            let plan = place(
                &back(ago(60)),
                &current,
                now() + chrono::Duration::seconds(pass),
                &rules,
            );
            assert!(plan.moves.len() <= 4, "gradually");
            for step in &plan.moves {
                assert_eq!(step.why, Why::Rebalance);
                assert!(
                    step.camera <= 20,
                    "cameras placed within the settle time stay"
                );
                *moved.entry(step.camera).or_default() += 1;
            }
            at = applied(&current, &plan);
        }
        assert_eq!(loads(&at), BTreeMap::from([(1, 10), (2, 10), (3, 10)]));
        assert!(moved.values().all(|times| *times == 1), "{moved:?}");
    }

    #[test]
    fn draining_moves_cameras_off_and_takes_none() {
        let mut nodes = [up(1, 100), up(2, 100)];
        nodes[1].draining = true;
        let cameras = [camera(1, Some(2)), camera(2, Some(2)), camera(3, None)];
        let plan = place(&nodes, &cameras, now(), &RULES);
        let at = applied(&cameras, &plan);
        assert!(at.values().all(|node| *node == Some(1)), "{at:?}");
        assert_eq!(plan.moves[0].why, Why::Evicted);

        // With nowhere else to go, cameras stay on a draining node that
        // still answers, rather than on none.
        let only = [NodeSlot {
            draining: true,
            ..up(2, 100)
        }];
        let plan = place(&only, &cameras[..2], now(), &RULES);
        assert!(plan.moves.is_empty());
        assert_eq!(plan.stranded, [1, 2]);
    }

    #[test]
    fn labels_bind_cameras_to_their_nodes() {
        let mut north = up(1, 100);
        north.labels.insert("site".into(), "north".into());
        let mut south = up(2, 100);
        south.labels.insert("site".into(), "south".into());
        let mut wants_south = camera(1, None);
        wants_south.wants.insert("site".into(), "south".into());
        let mut wants_east = camera(2, None);
        wants_east.wants.insert("site".into(), "east".into());
        let plan = place(&[north, south], &[wants_south, wants_east], now(), &RULES);
        assert_eq!(plan.moves.len(), 1);
        assert_eq!(plan.moves[0].to, Some(2));
        assert_eq!(plan.stranded, [2]);
    }

    #[test]
    fn recording_cameras_are_not_moved_to_even_out_the_load() {
        let nodes = [up(1, 100), up(2, 100)];
        let mut cameras: Vec<CameraSlot> = (1..=10).map(|id| camera(id, Some(1))).collect();
        for camera in &mut cameras {
            camera.recording = true;
        }
        let plan = place(&nodes, &cameras, now(), &RULES);
        assert!(plan.moves.is_empty());
    }

    #[test]
    fn a_new_leader_that_has_checked_nothing_moves_nothing() {
        let nodes = [node(1, 100, Health::Unknown), node(2, 100, Health::Unknown)];
        let cameras: Vec<CameraSlot> = (1..=10).map(|id| camera(id, Some(id % 2 + 1))).collect();
        assert!(place(&nodes, &cameras, now(), &RULES).moves.is_empty());
    }
}

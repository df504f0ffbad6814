import { api, unwrap } from '../api/client';
import { navigate, withQuery } from '../app/router';
import { useLoaded } from '../app/useLoaded';
import { groupTree, openBranches, type GroupNode } from './groupTree';

const loadGroups = () => unwrap(api.GET('/api/groups'));

/** The groups of the cameras one sees, with their counts; choosing one filters the list. */
export function GroupTree({ selected, generation }: { selected: string; generation: number }) {
  const { value: counts } = useLoaded(loadGroups, 'groups', generation);
  if (!counts) return <nav className="group-tree" aria-label="Groups" aria-busy="true" />;
  const open = openBranches(selected);
  const choose = (group: string) => {
    navigate(withQuery({ group, page: null }));
  };
  const branch = (nodes: GroupNode[]) => (
    <ul>
      {nodes.map((node) => (
        <li key={node.name}>
          <details open={open.has(node.name) || undefined}>
            <summary className={node.children.length ? undefined : 'leaf'}>
              <button
                type="button"
                className="link"
                aria-current={node.name === selected ? 'true' : undefined}
                onClick={() => { choose(node.name); }}
              >
                {node.label} <span className="count">{node.cameras}</span>
              </button>
            </summary>
            {node.children.length ? branch(node.children) : null}
          </details>
        </li>
      ))}
    </ul>
  );
  return (
    <nav className="group-tree" aria-label="Groups">
      <button type="button" className="link" aria-current={selected ? undefined : 'true'} onClick={() => { choose(''); }}>
        All cameras
      </button>
      {branch(groupTree(counts.groups))}
      {counts.ungrouped ? <p className="muted">{counts.ungrouped} in no group</p> : null}
    </nav>
  );
}

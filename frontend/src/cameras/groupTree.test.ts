import { describe, expect, it } from 'vitest';

import { groupTree, openBranches } from './groupTree';

describe('the group tree', () => {
  it('nests dotted names under their levels', () => {
    const tree = groupTree([
      { name: 'lobby', cameras: 1 },
      { name: 'site-2', cameras: 3 },
      { name: 'site-2.dock', cameras: 2 },
      { name: 'site-2.dock.north', cameras: 1 },
      { name: 'site-2.yard', cameras: 2 },
    ]);
    expect(tree.map((node) => node.name)).toEqual(['lobby', 'site-2']);
    const site = tree[1];
    expect(site?.children.map((node) => [node.label, node.cameras])).toEqual([
      ['dock', 2],
      ['yard', 2],
    ]);
    expect(site?.children[0]?.children[0]?.name).toBe('site-2.dock.north');
  });

  it('keeps the branches of the chosen group open', () => {
    expect([...openBranches('site-2.dock.north')]).toEqual(['site-2', 'site-2.dock', 'site-2.dock.north']);
  });
});

/** Camera groups as chips; a user's or token's limit of null reads "all cameras". */
export function Groups({ groups }: { groups: readonly string[] | null }) {
  if (groups === null) return <span className="muted">All cameras</span>;
  return (
    <span className="chips">
      {groups.map((group) => (
        <span key={group} className="chip">
          {group}
        </span>
      ))}
    </span>
  );
}

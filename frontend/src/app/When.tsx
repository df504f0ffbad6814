/** A moment in the operator's local time; `never` when there is none. */
export function When({ at, never = 'never' }: { at: string | null; never?: string }) {
  if (!at) return <span className="muted">{never}</span>;
  return <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}

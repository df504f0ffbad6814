import { navigate, withQuery } from './router';

/**
 * Previous and Next for a list paged in the address bar (`?page=`), with where this page sits in the total.
 * A total that is not `exact` is a lower bound (the camera list counts only so far), so Next stays on.
 */
export function Pager({
  page,
  pageSize,
  shown,
  total,
  exact = true,
}: {
  page: number;
  pageSize: number;
  shown: number;
  total: number;
  exact?: boolean;
}) {
  const pages = exact ? Math.max(1, Math.ceil(total / pageSize)) : Infinity;
  const first = (page - 1) * pageSize + 1;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => { navigate(withQuery({ page: String(page - 1) })); }}>
        Previous
      </button>
      <span>
        {total === 0 ? '0' : `${first}–${first + shown - 1}`} of {exact ? total : `more than ${total - 1}`}
      </span>
      <button type="button" disabled={page >= pages} onClick={() => { navigate(withQuery({ page: String(page + 1) })); }}>
        Next
      </button>
    </nav>
  );
}

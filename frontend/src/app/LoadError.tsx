/** Why a page's data failed to load, with a way to load it again. */
export function LoadError({ message, onRetry }: { message: string | null; onRetry: () => void }) {
  if (!message) {
    return null;
  }
  return (
    <p className="alert" role="alert">
      {message}{' '}
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </p>
  );
}

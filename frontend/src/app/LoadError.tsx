import { Alert } from './Alert';

/** Why a page's data failed to load, with a way to load it again. */
export function LoadError({ message, onRetry }: { message: string | null; onRetry: () => void }) {
  return (
    <Alert message={message}>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </Alert>
  );
}

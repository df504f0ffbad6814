/** The text typed into a form's field `name` (empty when there is none), read at submit. */
export function formText(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}

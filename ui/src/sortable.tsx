import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** One column of a {@link SortableTable}. */
export interface Column<T> {
  key: string;
  title: string;
  /** What the column sorts by. */
  sortValue?: (row: T) => string | number;
  cell: (row: T) => ComponentChildren;
}

/**
 * A table whose column headers are buttons that sort it (`aria-sort` says how), inside a
 * region that scrolls sideways on narrow screens and can be focused to scroll by keyboard.
 */
export function SortableTable<T>(props: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  initialSort?: string;
}) {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 }>({
    key: props.initialSort ?? props.columns[0]?.key ?? '',
    dir: 1,
  });
  const column = props.columns.find((c) => c.key === sort.key);
  const rows = [...props.rows];
  if (column?.sortValue) {
    const value = column.sortValue;
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return (
        (typeof x === 'number' && typeof y === 'number'
          ? x - y
          : String(x).localeCompare(String(y))) * sort.dir
      );
    });
  }
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.caption}>
      <table class="cards">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th
                scope="col"
                aria-sort={
                  c.key === sort.key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined
                }
              >
                {c.sortValue ? (
                  <button
                    type="button"
                    class="sort"
                    onClick={() =>
                      setSort((s) => ({ key: c.key, dir: s.key === c.key && s.dir === 1 ? -1 : 1 }))
                    }
                  >
                    {c.title}
                    <span aria-hidden="true">
                      {c.key === sort.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ' ⇅'}
                    </span>
                  </button>
                ) : (
                  c.title
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td data-label={c.title}>{c.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

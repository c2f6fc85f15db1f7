/**
 * The model list for the picker: models/manifest.json names the ids, models/<id>.json is each
 * card (checked by core/card.ts). Analytic 2D mixtures come first: they need no download.
 */
import { parseCard, parseManifest, type ModelCard } from '../../core/card';
import type { CatalogueEntry } from './store';

export interface Catalogue {
  entries: CatalogueEntry[];
  /** One message per model whose card could not be read (the others still work). */
  problems: string[];
}

async function fetchJson(url: string, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new Error(`${what} (${url}) could not be downloaded. Check the connection and reload the page.`);
  }
  if (!response.ok)
    throw new Error(
      `${what} (${url}) answered HTTP ${response.status}. Reload the page; if it persists the site was built without it.`,
    );
  try {
    return (await response.json()) as unknown;
  } catch {
    throw new Error(
      `${what} (${url}) is not valid JSON. The site's models/ folder is damaged: rebuild the site.`,
    );
  }
}

export function entryOfCard(card: ModelCard): CatalogueEntry {
  return {
    id: card.id,
    title: card.title,
    task: card.task,
    analytic: card.analytic !== undefined,
    classes: card.classes ?? [],
    bytes: card.bytes ?? 0,
    card,
  };
}

/** Analytic models first, each group in manifest order. */
export function orderEntries(entries: CatalogueEntry[]): CatalogueEntry[] {
  return [...entries.filter((e) => e.analytic), ...entries.filter((e) => !e.analytic)];
}

/** Reads the manifest and every card; a bad card becomes a problem, a bad manifest an error. */
export async function fetchCatalogue(baseUrl: string): Promise<Catalogue> {
  const manifestUrl = new URL('models/manifest.json', baseUrl).href;
  const manifest = parseManifest(await fetchJson(manifestUrl, 'The model list'), manifestUrl);
  const problems: string[] = [];
  const cards = await Promise.all(
    manifest.models.map(async (id) => {
      const url = new URL(`models/${id}.json`, baseUrl).href;
      try {
        return parseCard(await fetchJson(url, `The card of model "${id}"`), url);
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
        return null;
      }
    }),
  );
  const entries = orderEntries(cards.filter((c): c is ModelCard => c !== null).map(entryOfCard));
  if (entries.length === 0)
    throw new Error(`No model in ${manifestUrl} could be read. ${problems.join(' ')}`);
  return { entries, problems };
}

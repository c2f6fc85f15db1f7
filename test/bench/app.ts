/** Section 2, the app on the built site: step split, first frame, memory. (Filled in below.) */
export interface AppResults {
  na: string;
}
export async function appBench(_root: string, _outDir: string, _quick: boolean): Promise<AppResults> {
  return { na: 'not implemented yet' };
}
export function appReport(results: AppResults): string[] {
  return ['', `App: n/a (${results.na})`];
}

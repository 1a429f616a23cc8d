/**
 * Words around a name that say what kind of party it is, not which one: honorifics, legal
 * forms and particles. Dropped before matching so "Mr Kim Jong Un" meets "Kim Jong Un" and
 * "Rosneft PJSC" meets "Rosneft"; a name made of nothing else keeps them. Only tokens written
 * in a Latin-transliterated script are dropped, never pinyin or Hangul syllables.
 */

/** Latin-letter tokens, after transliteration and case folding. */
export const DROPPED_TOKENS: ReadonlySet<string> = new Set([
  // honorifics and generational suffixes
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'lord', 'hon', 'rev', 'jr', 'sr',
  'gen', 'col', 'hrh', 'sheikh', 'shaykh',
  // legal forms
  'co', 'corp', 'corporation', 'company', 'inc', 'incorporated', 'ltd', 'limited', 'llc', 'llp',
  'lp', 'plc', 'gmbh', 'ag', 'kg', 'sa', 'sas', 'sarl', 'spa', 'srl', 'bv', 'nv', 'ab', 'oy', 'as',
  'jsc', 'pjsc', 'ojsc', 'cjsc', 'ooo', 'oao', 'zao', 'tov', 'pte', 'pvt', 'bhd',
  'sdn', 'tbk', 'pt', 'jsco', 'kk',
  // particles and connecting words (not those that are also pinyin syllables, de, da, du, le..., nor
  // Vietnamese middle names: van)
  'of', 'the', 'and', 'for', 'al', 'el', 'ul', 'bin', 'ibn', 'binti', 'bint', 'von', 'der',
  'den', 'del', 'della', 'dos', 'das',
]);

/**
 * Legal forms written in scripts whose transliteration would not yield the words above
 * (Hanzi, Hangul, Thai, Cyrillic abbreviations), removed from the raw name, longest first.
 */
export const DROPPED_PHRASES: readonly string[] = [
  '股份有限公司', '有限责任公司', '有限責任公司', '有限公司', '集团', '集團', '公司',
  '주식회사', '(주)', '㈜', '유한회사',
  'บริษัท', 'จำกัด', 'มหาชน', 'ห้างหุ้นส่วน',
  'ПАО', 'ОАО', 'ЗАО', 'ООО', 'АО', 'ТОВ',
].sort((a, b) => b.length - a.length);

import { describe, expect, it } from 'vitest';
import { normaliseName } from './normalise-name.ts';

describe('normaliseName', () => {
  it('folds case, width and accents of Latin names', () => {
    expect(normaliseName('ＫＩＭ　Jong Un')).toEqual(['kim', 'jong', 'un']);
    expect(normaliseName('Nicolás Maduro Moros')).toEqual(['nicolas', 'maduro', 'moros']);
    expect(normaliseName('Tô Lâm')).toEqual(['to', 'lam']);
  });

  it('writes Hanzi as toneless pinyin, one syllable a token', () => {
    expect(normaliseName('金正恩')).toEqual(['jin', 'zheng', 'en']);
    expect(normaliseName('习近平')).toEqual(['xi', 'jin', 'ping']);
    expect(normaliseName('Xí Jìnpíng')).toEqual(['xi', 'jinping']);
  });

  it('writes Hangul one syllable a token', () => {
    expect(normaliseName('김정은')).toEqual(['gim', 'jeong', 'eun']);
    expect(normaliseName('김 정은')).toEqual(['gim', 'jeong', 'eun']);
  });

  it('transliterates Cyrillic, Thai and Arabic script', () => {
    expect(normaliseName('Владимир Путин')).toEqual(['vladimir', 'putin']);
    expect(normaliseName('Аляксандр Лукашэнка')).toEqual(['alyaksandr', 'lukashenka']);
    expect(normaliseName('ประยุทธ์ จันทร์โอชา')).toHaveLength(2);
    expect(normaliseName('ประยุทธ์ จันทร์โอชา').join(' ')).toMatch(/^[a-z ]+$/);
    expect(normaliseName('بشار الأسد').join(' ')).toMatch(/^[a-z ]+$/);
  });

  it('splits at hyphens and joins at apostrophes', () => {
    expect(normaliseName('Kim Jong-un')).toEqual(normaliseName('Kim Jong Un'));
    expect(normaliseName("O'Brien")).toEqual(['obrien']);
    expect(normaliseName('S.A.')).toEqual(['sa']);
  });

  it('drops honorifics, legal forms and particles, in every script, unless nothing else is left', () => {
    expect(normaliseName('Mr. Bashar al-Assad')).toEqual(['bashar', 'assad']);
    expect(normaliseName('Rosneft Oil Co., Ltd.')).toEqual(['rosneft', 'oil']);
    expect(normaliseName('杭州海康威视数字技术股份有限公司')).toEqual(normaliseName('杭州海康威视数字技术'));
    expect(normaliseName('ПАО «НК «Роснефть»')).toEqual(['nk', 'rosneft']);
    expect(normaliseName('บริษัท ปตท. จำกัด (มหาชน)')).toEqual(normaliseName('ปตท.'));
    expect(normaliseName('Co.')).toEqual(['co']);
    expect(normaliseName('Mr Kim', { dropAffixes: false })).toEqual(['mr', 'kim']);
  });

  it('keeps particles that are pinyin syllables', () => {
    expect(normaliseName('Du Wei')).toEqual(['du', 'wei']);
    expect(normaliseName('Lam Van To')).toEqual(['lam', 'van', 'to']);
  });
});

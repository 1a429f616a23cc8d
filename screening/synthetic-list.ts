import anyAscii from 'any-ascii';
import { pinyin } from 'pinyin-pro';

/**
 * A large made-up screening list in FollowTheMoney form, for benchmarks: seeded, so the same
 * size and seed give the same list. Names take the shapes of the corridors: Chinese names in
 * pinyin with their Hanzi, Korean names with their Hangul, Russian names with patronymics and
 * their Cyrillic, Thai names with their Thai script, Arabic and Western names in Latin, and
 * companies. Surnames are partly built from syllables so the vocabulary grows with the list,
 * as a real list's does.
 */
export interface FtmEntity {
  id: string;
  schema: 'Person' | 'Company';
  properties: Record<string, string[]>;
  topics: string[];
}

const HAN_SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const HAN_GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文辉玉珍林鹏飞宇浩然子轩梓涵欣怡博文思远嘉诚俊杰晓东海波春梅立新永安德胜世荣光耀天佑振宏成龙凤云雪松柏清泉';
const HANGUL_SURNAMES: Array<[string, string]> = [['김', 'Kim'], ['이', 'Lee'], ['박', 'Park'], ['최', 'Choi'], ['정', 'Jung'], ['강', 'Kang'], ['조', 'Cho'], ['윤', 'Yoon'], ['장', 'Jang'], ['임', 'Lim'], ['한', 'Han'], ['오', 'Oh'], ['서', 'Seo'], ['신', 'Shin'], ['권', 'Kwon'], ['황', 'Hwang'], ['안', 'Ahn'], ['송', 'Song'], ['류', 'Ryu'], ['홍', 'Hong']];
const HANGUL_GIVEN = '민준서연지훈수아예준하은도윤시우주원지호채원현우지민유진성민영수정호상철은지혜진경희동현태양승현재원소영미경종혁명수';
const RU_FIRST = ['Александр', 'Сергей', 'Дмитрий', 'Андрей', 'Алексей', 'Максим', 'Евгений', 'Иван', 'Михаил', 'Николай', 'Владимир', 'Олег', 'Игорь', 'Виктор', 'Павел', 'Роман', 'Юрий', 'Борис', 'Григорий', 'Константин', 'Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Ирина', 'Светлана'];
const RU_ROOTS = ['Петр', 'Иван', 'Смирн', 'Кузнец', 'Попов', 'Соколов', 'Лебед', 'Козл', 'Новик', 'Морозов', 'Волк', 'Соловь', 'Васил', 'Зайц', 'Павл', 'Семен', 'Голуб', 'Виноград', 'Богдан', 'Воробь', 'Фёдор', 'Михайл', 'Беляк', 'Тарас', 'Белоус', 'Комар', 'Орл', 'Кисел', 'Макар', 'Андре', 'Ковал', 'Ильин', 'Гусев', 'Титов', 'Кузьмин', 'Кудрявц', 'Баран', 'Кулик', 'Алексе', 'Степан'];
const RU_MIDDLES = ['', 'ан', 'ен', 'ин', 'ов', 'ар', 'ул', 'ец', 'ок', 'ищ'];
const THAI_SYLLABLES = ['สม', 'ศักดิ์', 'ชัย', 'วงศ์', 'สุข', 'ประ', 'เสริฐ', 'กิจ', 'พงษ์', 'ทอง', 'ดี', 'รัตน์', 'ศรี', 'บุญ', 'มา', 'ณัฐ', 'วุฒิ', 'เจริญ', 'ธนา', 'กุล', 'พร', 'อนันต์', 'นิมิต', 'สุวรรณ', 'ภักดี', 'วิ', 'ไพ', 'โรจน์', 'จันทร์', 'แก้ว'];
const ARABIC_FIRST = ['Mohammed', 'Ahmed', 'Ali', 'Omar', 'Hassan', 'Hussein', 'Khalid', 'Yusuf', 'Ibrahim', 'Abdullah', 'Mahmoud', 'Tariq', 'Karim', 'Faisal', 'Saeed', 'Hamza', 'Bilal', 'Nasser', 'Fatima', 'Aisha', 'Mariam', 'Layla'];
const ARABIC_ROOTS = ['Rahman', 'Hakim', 'Jabbar', 'Aziz', 'Karim', 'Rashid', 'Hamid', 'Majid', 'Qadir', 'Latif', 'Nasir', 'Sharif', 'Habib', 'Mansour', 'Zaki', 'Salim', 'Haddad', 'Khoury', 'Masri', 'Tamimi'];
const WESTERN_FIRST = ['John', 'Michael', 'David', 'James', 'Robert', 'Maria', 'Anna', 'Peter', 'Thomas', 'Paul', 'Mark', 'Laura', 'Carlos', 'Jose', 'Luis', 'Ana', 'Pierre', 'Hans', 'Giovanni', 'Sofia'];
const WESTERN_SYLLABLES = ['mar', 'ten', 'son', 'berg', 'man', 'ville', 'ford', 'ley', 'ton', 'well', 'ham', 'rick', 'stein', 'ez', 'ini', 'ard', 'ov', 'ski', 'wood', 'field', 'gar', 'cia', 'lo', 'pez', 'ros', 'bel', 'din', 'hart'];
const COMPANY_WORDS = ['Golden', 'Star', 'Pacific', 'Global', 'Orient', 'United', 'Silk', 'Road', 'Dragon', 'Phoenix', 'Ocean', 'Sun', 'Eagle', 'Summit', 'Prime', 'Delta', 'Crown', 'Jade', 'Lotus', 'Harbor', 'Northern', 'Eastern', 'Alliance', 'Capital', 'Energy', 'Shipping', 'Trading', 'Logistics', 'Industrial', 'Petroleum', 'Mining', 'Metals', 'Electronics', 'Holdings', 'Investment'];
const COMPANY_FORMS = ['LLC', 'Ltd', 'Co., Ltd.', 'JSC', 'Limited', 'Inc.', 'FZE', 'Pte. Ltd.', 'GmbH', 'S.A.'];
const COUNTRIES = ['cn', 'kr', 'kp', 'ru', 'th', 'ir', 'sy', 'ae', 'hk', 'sg', 'my', 'mm', 'by', 'us', 'gb', 'de', 'tr', 've', 'lb', 'iq'];

/** A seeded random source (mulberry32): the same seed, the same list. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[] | string): T => items[int(items.length)] as T;
  return { next, int, pick };
}

const pinyinOf = new Map<string, string>();
function syllable(han: string): string {
  let latin = pinyinOf.get(han);
  if (latin === undefined) {
    latin = anyAscii(pinyin(han, { toneType: 'none', surname: 'head' }));
    pinyinOf.set(han, latin);
  }
  return latin;
}
const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

type Rng = ReturnType<typeof random>;

function chinese(r: Rng): string[] {
  const surname = r.pick<string>(HAN_SURNAMES);
  const given = Array.from({ length: 1 + (r.next() < 0.75 ? 1 : 0) }, () => r.pick<string>(HAN_GIVEN)).join('');
  const latin = `${capital(syllable(surname))} ${capital([...given].map(syllable).join(''))}`;
  return [latin, surname + given];
}

function korean(r: Rng): string[] {
  const [hangulSurname, latinSurname] = r.pick(HANGUL_SURNAMES);
  const given = r.pick<string>(HANGUL_GIVEN) + r.pick<string>(HANGUL_GIVEN);
  const romanised = [...given].map((s) => anyAscii(s).toLowerCase());
  return [`${latinSurname} ${capital(romanised[0]!)}-${romanised[1]}`, hangulSurname + given];
}

function russian(r: Rng): string[] {
  const first = r.pick(RU_FIRST);
  const father = r.pick(RU_FIRST.slice(0, 20));
  const patronymic = father.replace(/[йь]$/, '') + (/[йь]$/.test(father) ? 'евич' : 'ович');
  const surname = r.pick(RU_ROOTS) + r.pick(RU_MIDDLES) + r.pick(['ов', 'ев', 'ин', 'ский', 'енко']);
  const cyrillic = `${first} ${patronymic} ${surname}`;
  return [anyAscii(cyrillic), cyrillic, anyAscii(`${first} ${surname}`)];
}

function thai(r: Rng): string[] {
  const word = (n: number) => Array.from({ length: n }, () => r.pick(THAI_SYLLABLES)).join('');
  const native = `${word(2)} ${word(2 + r.int(3))}`;
  return [capitalWords(anyAscii(native)), native];
}

function arabic(r: Rng): string[] {
  const name = `${r.pick(ARABIC_FIRST)} ${r.pick(ARABIC_FIRST)} Al-${r.pick(ARABIC_ROOTS)}${r.next() < 0.5 ? r.pick(['i', 'y', 'awi', 'ani']) : ''}`;
  return [name, name.replace('Al-', 'al ').replace(/^Mohammed/, 'Muhammad')];
}

function western(r: Rng): string[] {
  const surname = capital(r.pick(WESTERN_SYLLABLES) + r.pick(WESTERN_SYLLABLES) + (r.next() < 0.4 ? r.pick(WESTERN_SYLLABLES) : ''));
  return [`${r.pick(WESTERN_FIRST)} ${r.next() < 0.3 ? `${r.pick(WESTERN_FIRST)} ` : ''}${surname}`];
}

function company(r: Rng): string[] {
  if (r.next() < 0.3) {
    const city = r.pick(['深圳', '上海', '广州', '大连', '丹东', '香港', '厦门']);
    const brand = r.pick<string>(HAN_GIVEN) + r.pick<string>(HAN_GIVEN);
    const trade = r.pick(['贸易', '科技', '能源', '物流', '矿业']);
    const latinCity = [...city].map(syllable).join('');
    return [`${capital(latinCity)} ${capital([...brand].map(syllable).join(''))} ${capital([...trade].map(syllable).join(''))} Co., Ltd.`, `${city}${brand}${trade}有限公司`];
  }
  const words = Array.from({ length: 2 + r.int(2) }, () => r.pick(COMPANY_WORDS));
  const coined = capital(r.pick(WESTERN_SYLLABLES) + r.pick(WESTERN_SYLLABLES));
  const name = `${coined} ${words.join(' ')} ${r.pick(COMPANY_FORMS)}`;
  return r.next() < 0.4 ? [name, `${coined} ${words[0]}`] : [name];
}

function capitalWords(text: string): string {
  return text.split(' ').map(capital).join(' ');
}

const PERSON_SHAPES = [chinese, chinese, korean, russian, russian, thai, arabic, western];

/** Entities until their names (names plus aliases) reach `names`. */
export function* syntheticEntities(names: number, seed = 16): Generator<FtmEntity> {
  const r = random(seed);
  let written = 0;
  for (let n = 0; written < names; n++) {
    const isCompany = r.next() < 0.2;
    const all = isCompany ? company(r) : r.pick(PERSON_SHAPES)(r);
    const kept = all.slice(0, Math.max(1, Math.min(all.length, names - written)));
    written += kept.length;
    const roll = r.next();
    const topics = roll < 0.7 ? ['sanction'] : roll < 0.95 ? ['role.pep'] : ['sanction', 'role.pep'];
    const properties: Record<string, string[]> = { name: kept.slice(0, 1) };
    if (kept.length > 1) properties.alias = kept.slice(1);
    if (isCompany) {
      properties.country = [r.pick(COUNTRIES)];
    } else {
      properties.nationality = [r.pick(COUNTRIES)];
      if (r.next() < 0.8) properties.birthDate = [`${1940 + r.int(60)}-${String(1 + r.int(12)).padStart(2, '0')}-${String(1 + r.int(28)).padStart(2, '0')}`];
    }
    yield { id: `synthetic-${seed}-${n}`, schema: isCompany ? 'Company' : 'Person', properties, topics };
  }
}

/** The same as FollowTheMoney JSON lines, for the list reader. */
export function* syntheticNdjson(names: number, seed = 16): Generator<string> {
  for (const entity of syntheticEntities(names, seed)) yield `${JSON.stringify(entity)}\n`;
}

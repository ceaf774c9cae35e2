/**
 * Passwords that are guessed first: blank ones, short runs of digits, keyboard and alphabet runs,
 * repetitions, and the words at the head of every list of leaked passwords, with the decorations people
 * add (capitals, "1", "!", a year, 0 for o). Rules rather than a copied list: they cover the variants a
 * list would need thousands of lines for. docs/service.md (Visitors and accounts) says what is refused.
 */

/** The words that lead the published lists of the most used passwords, and this service's own names. */
const WORDS = new Set([
  'password',
  'passwort',
  'motdepasse',
  'contrasena',
  'pass',
  'qwerty',
  'azerty',
  'qwertz',
  'iloveyou',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'login',
  'secret',
  'changeme',
  'default',
  'hello',
  'test',
  'guest',
  'user',
  'dragon',
  'monkey',
  'master',
  'shadow',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'soccer',
  'superman',
  'batman',
  'starwars',
  'whatever',
  'trustno',
  'freedom',
  'computer',
  'michael',
  'jennifer',
  'jordan',
  'charlie',
  'pokemon',
  'naruto',
  'anime',
  'manga',
  'otaku',
  'osusume',
]);

/** Runs people type: digits, the alphabet and keyboard rows (QWERTY, AZERTY, QWERTZ, columns). */
const RUNS = [
  '01234567890123456789',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiopasdfghjklzxcvbnm',
  'azertyuiopqsdfghjklmwxcvbn',
  'qwertzuiopasdfghjklyxcvbnm',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  'qazwsxedcrfvtgbyhnujmikolp',
  '1q2w3e4r5t6y7u8i9o0p',
  'zaq12wsxcde34rfvbgt56yhnmju78ik',
];
const RUN_TEXT = [...RUNS, ...RUNS.map((run) => [...run].reverse().join(''))].join(' ');

/** Look-alike characters folded to the letters they stand for (p@ssw0rd is password). */
const LOOKALIKES: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

/** Whether `text` is a shorter string said again (abcabcabc, 12121212). */
function isRepetition(text: string): boolean {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.slice(size) === text.slice(0, text.length - size)) return true;
  }
  return false;
}

function isRun(text: string): boolean {
  return text.length >= 3 && RUN_TEXT.includes(text);
}

/** Digits alone are guessed by counting: a password of digits only needs this many. */
export const DIGITS_ONLY_MIN = 12;

/**
 * Why a new password is too easy to guess, or undefined: only white space, only digits (fewer than
 * DIGITS_ONLY_MIN), a run or a repetition, the username, or a common word with decorations around it.
 */
export function commonPasswordProblem(password: string, username?: string): string | undefined {
  if (password.trim() === '') return 'a password cannot be only spaces';
  const text = password.normalize('NFKC').toLowerCase();
  if (/^\d+$/.test(text) && text.length < DIGITS_ONLY_MIN) {
    return `a password of digits only needs at least ${DIGITS_ONLY_MIN} of them`;
  }
  const common =
    'this password is one of the most common ones (or one with a digit or a sign added): choose another';
  if (new Set(text).size < 4 || isRepetition(text) || isRun(text)) return common;
  // The word inside the decorations: digits and signs around it stripped, look-alikes folded.
  const core = text.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const folded = [...text.replace(/^\d+|[\d!?.*#_-]+$/g, '')].map((c) => LOOKALIKES[c] ?? c).join('');
  for (const word of [core, folded]) {
    if (username && word === username.toLowerCase()) return 'a password cannot be the username';
    if (WORDS.has(word) || isRun(word) || (word.length >= 4 && isRepetition(word))) return common;
  }
  if (username && text.includes(username.toLowerCase()) && text.length - username.length < 4) {
    return 'a password cannot be the username';
  }
  return undefined;
}

/** The rules of usernames and passwords (the API's schemas state them too, so this module imports nothing). */

/** Usernames: as typed, unique whatever their case; letters, digits, `_`, `-` and `.`. */
export const USERNAME = { minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' } as const;
export const PASSWORD = { minLength: 8, maxLength: 200 } as const;
export const USERNAME_RULE = `a username has ${USERNAME.minLength} to ${USERNAME.maxLength} characters among letters, digits, "_", "-" and "."`;
export const PASSWORD_RULE = `a password has ${PASSWORD.minLength} to ${PASSWORD.maxLength} characters`;

/*
 * cli_docs.c - the documents generated from the option table: the `help`
 * command's outputs, the manual page bouncescope.1 (roff, man(7) macros
 * only) and the bash completion script.
 *
 *   bouncescope help [COMMAND]        usage (cli_usage)
 *   bouncescope help --markdown       README's option and exit status tables
 *   bouncescope help --man            bouncescope.1
 *   bouncescope help --completion     share/bash-completion/completions/bouncescope
 *
 * The build runs the last two (CMakeLists.txt) and `cmake --install`
 * installs their output; tests/script/man_page.sh renders the page with
 * warnings on and looks for every option, tests/script/completion.sh drives
 * the completion function the way bash does.
 *
 * What is generated: the synopsis, commands, options (with the commands each
 * applies to), exit statuses and examples, all from cli.c's tables. What is
 * written here: the description, files and environment paragraphs.
 *
 * Not here: the tables themselves (cli.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/msg.h"

#ifndef BS_INSTALL_DATADIR
#define BS_INSTALL_DATADIR "/usr/local/share"
#endif

/* ---- roff ---------------------------------------------------------------- */

/* roff_text - s as roff text: backslashes escaped, "-" as \- where it is
 * an option's or a command's hyphen (after a space or another "-", or
 * first), `x` as bold x, a "." or "'" at the start of a line guarded */
static void roff_text(FILE *fp, const char *s, bool line_start)
{
    bool bold = false;
    for (const char *p = s; *p; p++) {
        if (line_start && (*p == '.' || *p == '\''))
            fputs("\\&", fp);
        line_start = false;
        switch (*p) {
        case '\\':
            fputs("\\e", fp);
            break;
        case '-':
            fputs(p == s || p[-1] == ' ' || p[-1] == '-' || p[-1] == '(' || p[-1] == '[' ||
                          p[-1] == '|'
                      ? "\\-"
                      : "-",
                  fp);
            break;
        case '`':
            fputs(bold ? "\\fR" : "\\fB", fp);
            bold = !bold;
            break;
        case '\n':
            fputc('\n', fp);
            line_start = true;
            break;
        default:
            fputc(*p, fp);
        }
    }
    if (bold)
        fputs("\\fR", fp);
}

/* synopsis_split - "scan [OPTIONS] [FILE...|-]   read mail logs" -> usage, what */
static void synopsis_split(const char *syn, char *usage, size_t usize, const char **what)
{
    const char *gap = strstr(syn, "  ");
    size_t n = gap ? (size_t)(gap - syn) : strlen(syn);
    snprintf(usage, usize, "%.*s", (int)n, syn);
    const char *w = gap ? gap : syn + n;
    while (*w == ' ')
        w++;
    *what = w;
}

/* roff_usage - "scan [OPTIONS] [FILE...|-]": the command bold, the rest italic */
static void roff_usage(FILE *fp, const char *usage)
{
    const char *sp = strchr(usage, ' ');
    size_t n = sp ? (size_t)(sp - usage) : strlen(usage);
    fprintf(fp, "\\fBbouncescope %.*s\\fR", (int)n, usage);
    if (sp) {
        fputs("\\fI", fp);
        roff_text(fp, sp, false);
        fputs("\\fR", fp);
    }
}

static void option_head(FILE *fp, const struct cli_option *op)
{
    if (op->config_only) {
        fprintf(fp, "\\fB%s\\fR = \\fI%s\\fR", op->name, op->value ? op->value : "yes");
        return;
    }
    if (op->shortname)
        fprintf(fp, "\\fB\\-%c\\fR, ", op->shortname);
    fputs("\\fB\\-\\-", fp);
    roff_text(fp, op->name, false);
    fputs("\\fR", fp);
    if (op->value) {
        fputs(" \\fI", fp);
        roff_text(fp, op->value, false);
        fputs("\\fR", fp);
    }
}

static void man_options(FILE *fp)
{
    struct cli_option op;
    size_t n = cli_option_count(), nc = cli_command_count();
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1)
            fputs(".SS \"Options of help\"\n", fp);
        if (pass == 2)
            fputs(".SS \"In the configuration file only\"\n", fp);
        for (size_t i = 0; i < n; i++) {
            cli_option_at(i, &op);
            int kind = op.config_only ? 2 : op.help_only ? 1 : 0;
            if (kind != pass)
                continue;
            fputs(".TP\n", fp);
            option_head(fp, &op);
            fputc('\n', fp);
            /* "help: print ..." says "help:" for --help's list; here the section says it */
            roff_text(fp, kind == 1 && !strncmp(op.help, "help: ", 6) ? op.help + 6 : op.help,
                      true);
            if (kind == 0) {
                /* which commands: "all" when every command takes it */
                size_t k = 0;
                for (size_t c = 0; c < nc; c++)
                    k += cli_option_applies(i, cli_command_name(c));
                fputs(k == nc ? " (all commands)" : " (", fp);
                for (size_t c = 0, m = 0; k < nc && c < nc; c++)
                    if (cli_option_applies(i, cli_command_name(c)))
                        fprintf(fp, "%s\\fB%s\\fR", m++ ? ", " : "", cli_command_name(c));
                if (k < nc)
                    fputc(')', fp);
            }
            fputs(".\n", fp);
        }
    }
}

static void man_page(FILE *fp)
{
    fprintf(fp,
            ".\\\" bouncescope.1 - generated by `bouncescope help --man' from the option table\n"
            ".\\\" in src/cli.c (cli_docs.c writes it); edit those, not this file.\n"
            ".TH BOUNCESCOPE 1 \"\" \"bouncescope %s\" \"User Commands\"\n"
            ".\\\" paths and option names read better unhyphenated and left-aligned\n"
            ".nh\n"
            ".ad l\n",
            BS_VERSION);
    fputs(".SH NAME\n"
          "bouncescope \\- find failed mail deliveries in Postfix, Sendmail and Exim logs, "
          "and say why\n"
          ".SH SYNOPSIS\n",
          fp);
    size_t nc = cli_command_count();
    char usage[128];
    const char *what;
    for (size_t c = 0; c < nc; c++) {
        synopsis_split(cli_command_synopsis(c), usage, sizeof usage, &what);
        fputs(c ? ".br\n" : "", fp);
        roff_usage(fp, usage);
        fputc('\n', fp);
    }
    fputs(".br\n\\fBbouncescope help\\fR [\\fICOMMAND\\fR] "
          "[\\fB\\-\\-man\\fR | \\fB\\-\\-completion\\fR | \\fB\\-\\-markdown\\fR]\n"
          ".br\n\\fBbouncescope \\-\\-version\\fR\n",
          fp);
    fputs(".SH DESCRIPTION\n"
          "\\fBbouncescope\\fR reads mail logs of Postfix, Sendmail and Exim (plain files, "
          "rotated files compressed with gzip, xz, bzip2 or zstd, or standard input), finds "
          "every deferred, bounced and expired delivery, classifies the reason (blocklisted, "
          "unknown user, mailbox full, greylisted, rate limited, SPF/DKIM/DMARC, TLS, DNS, "
          "network, content), and groups the failures so that one real problem is one line.\n"
          ".PP\n"
          "It checks the sending addresses that rejections name against DNS blocklists, keeps "
          "what it has read in a small SQLite database so that a nightly run reads only what is "
          "new, and writes its report as text (80 columns), CSV, JSON or a self-contained HTML "
          "page.\n"
          "Everything taken from a log is treated as untrusted: control characters never reach "
          "the terminal, HTML is escaped, CSV cells cannot run as formulas.\n"
          ".PP\n"
          "Options may come before or after the arguments, as \\fB\\-\\-opt\\fR \\fIvalue\\fR "
          "or \\fB\\-\\-opt\\fR=\\fIvalue\\fR; \\fB\\-\\-\\fR ends the options; "
          "\\fB\\-\\fR is standard input.\n"
          "The report format is \\fB\\-\\-format\\fR, else the one the name of "
          "\\fB\\-o\\fR \\fIFILE\\fR asks for (\\fI.html\\fR, \\fI.csv\\fR, \\fI.json\\fR, "
          "\\fI.txt\\fR), else text; a \\fB\\-\\-format\\fR that contradicts the name is an "
          "error.\n"
          "The text report uses UTF-8 punctuation when the locale (\\fBLC_ALL\\fR, "
          "\\fBLC_CTYPE\\fR, \\fBLANG\\fR) is UTF-8, and ASCII otherwise.\n"
          ".SH COMMANDS\n",
          fp);
    for (size_t c = 0; c < nc; c++) {
        synopsis_split(cli_command_synopsis(c), usage, sizeof usage, &what);
        fputs(".TP\n", fp);
        roff_usage(fp, usage);
        fputc('\n', fp);
        roff_text(fp, what, true);
        fputs(".\n", fp);
    }
    fputs(".TP\n\\fBbouncescope help\\fR [\\fICOMMAND\\fR]\n"
          "The options of all commands, or of one; with \\fB\\-\\-man\\fR this page, with "
          "\\fB\\-\\-completion\\fR the bash completion script, with \\fB\\-\\-markdown\\fR "
          "the tables of README.\n"
          ".SH OPTIONS\n",
          fp);
    man_options(fp);
    fputs(".SH \"EXIT STATUS\"\n", fp);
    const struct cli_exit_status *ex;
    size_t ne = cli_exit_statuses(&ex);
    for (size_t i = 0; i < ne; i++) {
        fprintf(fp, ".TP\n.B %d\n", ex[i].status);
        roff_text(fp, ex[i].meaning, true);
        fputs(".\n", fp);
    }
    fprintf(fp,
            ".SH ENVIRONMENT\n"
            ".TP\n.B BOUNCESCOPE_PATTERNS\n"
            "Directory of the shipped pattern files (instead of the one set at build time).\n"
            ".TP\n.B BOUNCESCOPE_REPORTS\n"
            "Directory of the HTML report's template, style and script.\n"
            ".TP\n.B BOUNCESCOPE_DQS_KEY\n"
            "Spamhaus DQS key (never printed).\n"
            ".TP\n.B BOUNCESCOPE_LOCK_TIMEOUT\n"
            "Seconds to wait for another run holding the database (default 30).\n"
            ".TP\n.B XDG_STATE_HOME\n"
            "Where the history database lives (see \\fBFILES\\fR).\n"
            ".TP\n.B TZ\n"
            "The zone of log times that carry none.\n"
            ".TP\n.BR LC_ALL \", \" LC_CTYPE \", \" LANG\n"
            "UTF-8 or ASCII punctuation in the text report.\n"
            ".TP\n.B SOURCE_DATE_EPOCH\n"
            "The time a report says it was made (reproducible reports).\n"
            ".SH FILES\n"
            ".TP\n.I /etc/bouncescope/bouncescope.conf\n"
            "Options as \\fIname\\fR = \\fIvalue\\fR lines, read when it exists "
            "(\\fB\\-\\-config\\fR names another).\n"
            ".TP\n.I /etc/bouncescope/patterns.d/\n"
            "Your own pattern files, read before the shipped ones.\n"
            ".TP\n.I %s/bouncescope/patterns/\n"
            "The shipped reasons, grammars, blocklists and providers.\n"
            ".TP\n.I %s/bouncescope/reports/\n"
            "The HTML report's template, style and script.\n"
            ".TP\n.I $XDG_STATE_HOME/bouncescope/bouncescope.db\n"
            "The history database (else \\fI~/.local/state/bouncescope/bouncescope.db\\fR; "
            "for root without \\fBXDG_STATE_HOME\\fR, "
            "\\fI/var/lib/bouncescope/bouncescope.db\\fR).\n"
            ".TP\n.I %s/doc/bouncescope/\n"
            "README.md, and in \\fIexamples/\\fR sample logs of every MTA, a configuration "
            "file, a cron job and a systemd service and timer.\n",
            BS_INSTALL_DATADIR, BS_INSTALL_DATADIR, BS_INSTALL_DATADIR);
    fputs(".SH EXAMPLES\n", fp);
    const struct cli_example *eg;
    size_t ng = cli_examples(&eg);
    for (size_t i = 0; i < ng; i++) {
        fputs(".PP\n", fp);
        roff_text(fp, eg[i].what, true);
        fputs(":\n.RS 4\n.nf\n", fp);
        roff_text(fp, eg[i].line, true);
        fputs("\n.fi\n.RE\n", fp);
    }
    fputs(".SH \"SEE ALSO\"\n"
          ".BR journalctl (1),\n"
          ".BR logrotate (8),\n"
          ".BR postfix (1),\n"
          ".BR sendmail (8),\n"
          ".BR exim (8),\n"
          ".BR pflogsumm (1),\n"
          ".BR eximstats (8)\n",
          fp);
}

/* ---- bash completion ---------------------------------------------------- */

/* value_kind - how a value is completed: by its value name */
static const char *value_kind(const struct cli_option *op)
{
    if (!strcmp(op->name, "format"))
        return "format";
    if (!strcmp(op->name, "status"))
        return "status";
    if (!strcmp(op->name, "group-by"))
        return "group-by";
    if (!strcmp(op->value, "DIR"))
        return "dir";
    if (!strcmp(op->value, "FILE") || !strcmp(op->value, "PATH"))
        return "file";
    return "none";
}

/* options_of - "--a --b -c" of a command, into stdout of the script */
static void options_of(FILE *fp, const char *command)
{
    struct cli_option op;
    const char *sep = "";
    for (size_t i = 0; i < cli_option_count(); i++) {
        if (!cli_option_applies(i, command))
            continue;
        cli_option_at(i, &op);
        fprintf(fp, "%s--%s", sep, op.name);
        sep = " ";
        if (op.shortname)
            fprintf(fp, " -%c", op.shortname);
    }
}

static void completion_script(FILE *fp)
{
    size_t nc = cli_command_count();
    struct cli_option op;
    fputs("# bash completion for bouncescope - generated by `bouncescope help --completion'\n"
          "# from the option table in src/cli.c (cli_docs.c writes it); edit those, not this.\n"
          "# Completes the command, each command's options, and the values of --format,\n"
          "# --status, --group-by and of options that take a file or directory.\n"
          "\n"
          "_bouncescope()\n"
          "{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev= opt= cmd= pre=\n"
          "    [ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
          "    [ \"$COMP_CWORD\" -gt 1 ] && cmd=${COMP_WORDS[1]}\n"
          "    COMPREPLY=()\n"
          "    # the option whose value is being typed: \"--opt v\", \"--opt=v\" (bash splits\n"
          "    # at '=' when COMP_WORDBREAKS holds it, as it does by default)\n"
          "    if [[ $cur == --*=* ]]; then\n"
          "        opt=${cur%%=*}\n"
          "        cur=${cur#*=}\n"
          "        pre=$opt= # the word is replaced whole: keep its \"--opt=\"\n"
          "    elif [[ $cur == = ]]; then\n"
          "        opt=$prev\n"
          "        cur=\n"
          "    elif [[ $prev == = && $COMP_CWORD -gt 1 ]]; then\n"
          "        opt=${COMP_WORDS[COMP_CWORD - 2]}\n"
          "    else\n"
          "        case $prev in\n"
          "        ",
          fp);
    /* options that take a value */
    const char *sep = "";
    for (size_t i = 0; i < cli_option_count(); i++) {
        cli_option_at(i, &op);
        if (!op.value || op.config_only)
            continue;
        fprintf(fp, "%s--%s", sep, op.name);
        if (op.shortname)
            fprintf(fp, "|-%c", op.shortname);
        sep = "|";
    }
    fputs(") opt=$prev ;;\n"
          "        esac\n"
          "    fi\n"
          "    if [ -n \"$opt\" ]; then\n"
          "        local values= list=\n"
          "        case $opt in\n",
          fp);
    for (size_t i = 0; i < cli_option_count(); i++) {
        cli_option_at(i, &op);
        if (!op.value || op.config_only)
            continue;
        const char *kind = value_kind(&op);
        fprintf(fp, "        --%s", op.name);
        if (op.shortname)
            fprintf(fp, "|-%c", op.shortname);
        if (!strcmp(kind, "format"))
            fputs(") values=\"text csv json html suppress\" ;;\n", fp);
        else if (!strcmp(kind, "status"))
            fputs(") list=\"deferred bounced expired\" ;;\n", fp);
        else if (!strcmp(kind, "group-by"))
            fputs(") list=\"provider host domain reason fingerprint sender sender-domain\" ;;\n",
                  fp);
        else if (!strcmp(kind, "dir"))
            fputs(")\n            compopt -o filenames 2>/dev/null\n"
                  "            COMPREPLY=($(compgen -d -- \"$cur\"))\n"
                  "            ;;\n",
                  fp);
        else if (!strcmp(kind, "file"))
            fputs(")\n            compopt -o filenames 2>/dev/null\n"
                  "            COMPREPLY=($(compgen -f -- \"$cur\"))\n"
                  "            ;;\n",
                  fp);
        else
            fputs(") return 0 ;;\n", fp);
    }
    fputs("        *) return 0 ;;\n"
          "        esac\n"
          "        if [ -n \"$values\" ]; then\n"
          "            COMPREPLY=($(compgen -W \"$values\" -- \"$cur\"))\n"
          "        elif [ -n \"$list\" ]; then\n"
          "            # a comma list: complete its last item\n"
          "            local head=\n"
          "            [[ $cur == *,* ]] && head=${cur%,*},\n"
          "            local w\n"
          "            for w in $list; do\n"
          "                [[ $w == \"${cur##*,}\"* ]] && COMPREPLY+=(\"$head$w\")\n"
          "            done\n"
          "            compopt -o nospace 2>/dev/null\n"
          "        fi\n"
          "        [ -n \"$pre\" ] && COMPREPLY=(\"${COMPREPLY[@]/#/$pre}\")\n"
          "        return 0\n"
          "    fi\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        if [[ $cur == -* ]]; then\n"
          "            COMPREPLY=($(compgen -W \"--help -h --version\" -- \"$cur\"))\n"
          "        else\n"
          "            COMPREPLY=($(compgen -W \"",
          fp);
    for (size_t c = 0; c < nc; c++)
        fprintf(fp, "%s ", cli_command_name(c));
    fputs("help\" -- \"$cur\"))\n"
          "        fi\n"
          "        return 0\n"
          "    fi\n"
          "    if [[ $cur == -* ]]; then\n"
          "        local opts=\n"
          "        case $cmd in\n",
          fp);
    for (size_t c = 0; c <= nc; c++) {
        const char *name = c < nc ? cli_command_name(c) : "help";
        fprintf(fp, "        %s) opts=\"", name);
        options_of(fp, name);
        fputs("\" ;;\n", fp);
    }
    fputs("        esac\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "        return 0\n"
          "    fi\n"
          "    case $cmd in\n"
          "    scan)\n"
          "        compopt -o filenames 2>/dev/null\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "        ;;\n"
          "    help) COMPREPLY=($(compgen -W \"",
          fp);
    for (size_t c = 0; c < nc; c++)
        fprintf(fp, "%s%s", c ? " " : "", cli_command_name(c));
    fputs("\" -- \"$cur\")) ;;\n"
          "    esac\n"
          "    return 0\n"
          "}\n"
          "complete -F _bouncescope bouncescope\n",
          fp);
}

int cli_help(const struct options *o)
{
    FILE *fp = stdout;
    if (o->output && strcmp(o->output, "-") && !(fp = fopen(o->output, "w"))) {
        msg_warn("%s: cannot write: %s", o->output, strerror(errno));
        return EXIT_INPUT;
    }
    if (o->man)
        man_page(fp);
    else if (o->completion)
        completion_script(fp);
    else if (o->markdown)
        cli_markdown(fp);
    else
        cli_usage(fp, o->n_args ? o->args[0] : NULL);
    int rc = EXIT_OK;
    if (fflush(fp) != 0 || ferror(fp))
        rc = EXIT_INTERNAL;
    if (fp != stdout && fclose(fp) != 0)
        rc = EXIT_INTERNAL;
    return rc;
}

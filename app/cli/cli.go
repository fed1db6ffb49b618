// Package cli is iysgate's command line: serve, migrate, user, token,
// backup, restore, iys-sim, version.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"

	"iysgate/app/auth"
	"iysgate/app/config"
	"iysgate/app/server"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// Version is set at build time (-ldflags "-X iysgate/app/cli.Version=…").
var Version = "dev"

const usage = `iysgate: İYS entegrasyon cihazı

Kullanım:
  iysgate serve                       HTTP arayüzü, API ve arka plan işlerini çalıştırır
  iysgate migrate                     veritabanı şemasını günceller
  iysgate user add --email E --name N --role R [--brands KOD,KOD] [--phone T]
                                      kullanıcı ekler (parola standart girdiden okunur)
  iysgate user password --email E     kullanıcının parolasını değiştirir (yeni parola
                                      standart girdiden; açık oturumları kapanır)
  iysgate token create --email E [--name AD]
                                      API anahtarı oluşturur (son satırda yazılır)
  iysgate backup DOSYA                veritabanının yedeğini alır (serve çalışırken de;
                                      dosyayı yalnızca sahibi okuyabilir)
  iysgate restore [--force] DOSYA     yedeği boş bir veri dizinine ya da veritabanına yükler
                                      (--force: oradaki iysgate veritabanını siler)
  iysgate iys-sim [--addr H:P] [--fail-rate 0.2] [--latency 50ms] [--lose-answers 0.05]
                  [--rate-limits on|off] [--credentials K:P] [--brands IYSKOD:MARKAKOD,...]
                                      İYS simülatörünü tek başına çalıştırır
  iysgate version                     sürümü yazar

Ayarlar ortam değişkenleriyle: IYSGATE_ADDR, IYSGATE_DATA_DIR, DATABASE_URL,
IYSGATE_ADMIN_EMAIL, IYSGATE_ADMIN_PASSWORD, IYS_BASE_URL, IYS_USERNAME,
IYS_PASSWORD (bkz. README). İYS hesabı verilmezse serve simülatörle çalışır.
`

// Run runs the command in args (without the program name) and returns the
// exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "migrate":
		err = migrate(ctx, args[1:], stderr)
	case "user":
		err = userCmd(ctx, args[1:], stdin, stdout, stderr)
	case "token":
		err = tokenCmd(ctx, args[1:], stdout, stderr)
	case "backup":
		err = backup(ctx, args[1:], stdout, stderr)
	case "restore":
		err = restore(ctx, args[1:], stdout, stderr)
	case "iys-sim":
		err = iysSim(ctx, args[1:], stderr)
	case "version":
		fmt.Fprintln(stdout, "iysgate", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "bilinmeyen komut %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintln(stderr, "hata:", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.ServeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogFormat)
	if cfg.DatabaseURL == "" {
		log.Info("starting the private PostgreSQL cluster", "data_dir", cfg.DataDir)
	}
	db, err := server.OpenDB(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("database shutdown", "err", err)
		} else {
			log.Info("database stopped")
		}
	}()
	if err := server.EnsureAdmin(ctx, cliStore(db.Pool), cfg, stdout); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("%s dinlenemiyor: %w", cfg.Addr, err)
	}
	app, err := server.Start(ctx, cfg, db.Pool, log)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "iysgate çalışıyor: http://%s (durdurmak için Ctrl+C)\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ln) }()
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-served:
		if err != nil {
			log.Error("http server stopped", "err", err)
		}
	}
	return app.Shutdown(context.Background())
}

func migrate(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := server.OpenDB(ctx, cfg, false, newLogger(stderr, cfg.LogFormat))
	if err != nil {
		return err
	}
	return db.Close()
}

// quietLogger keeps the short commands' output to what they print.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "password" {
		return userPassword(ctx, args[1:], stdin, stdout)
	}
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("kullanım: iysgate user add --email E --name N --role R [--brands KOD,KOD] | iysgate user password --email E")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	cfg.Flags(fs)
	email := fs.String("email", "", "e-posta (zorunlu)")
	name := fs.String("name", "", "ad soyad (zorunlu)")
	role := fs.String("role", "", "rol: admin, yonetici, personel, musteri")
	brands := fs.String("brands", "", "virgülle ayrılmış marka kodları (admin dışındaki roller için)")
	phone := fs.String("phone", "", "telefon")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" || *role == "" {
		return fmt.Errorf("--email, --name ve --role zorunlu")
	}
	person := validate.User{Name: *name, Email: *email, Phone: *phone}
	if err := problemsErr(person.Check()); err != nil {
		return err
	}
	valid := false
	for _, r := range policy.Roles {
		valid = valid || r == *role
	}
	if !valid {
		return fmt.Errorf("geçersiz rol %q (admin, yonetici, personel, musteri)", *role)
	}
	hash, err := readPassword(stdin)
	if err != nil {
		return err
	}
	db, err := server.OpenDB(ctx, cfg, false, quietLogger())
	if err != nil {
		return err
	}
	defer db.Close()
	st := cliStore(db.Pool)
	in := store.UserInput{Email: person.Email, Name: person.Name, Phone: person.Phone, PasswordHash: hash,
		IsAdmin: *role == policy.RoleAdmin}
	if !in.IsAdmin {
		all, err := st.ListBrands(ctx, nil)
		if err != nil {
			return err
		}
		for _, code := range strings.Split(*brands, ",") {
			code = strings.TrimSpace(code)
			if code == "" {
				continue
			}
			found := false
			for _, b := range all {
				if b.BrandCode == code {
					in.Memberships, found = append(in.Memberships, store.Membership{BrandID: b.ID, Role: *role}), true
				}
			}
			if !found {
				return fmt.Errorf("marka kodu %q bulunamadı", code)
			}
		}
		if len(in.Memberships) == 0 {
			return fmt.Errorf("%s rolü için en az bir marka kodu verin (--brands)", policy.RoleLabel(*role))
		}
	}
	u, err := st.CreateUser(ctx, store.Actor{Label: "komut satırı"}, in)
	if errors.Is(err, store.ErrDuplicate) {
		return fmt.Errorf("%s adresiyle kayıtlı bir kullanıcı var", in.Email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kullanıcı oluşturuldu: %s (%s, %s)\n", u.Email, u.Name, policy.RoleLabel(*role))
	return nil
}

func tokenCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("kullanım: iysgate token create --email E [--name AD]")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	cfg.Flags(fs)
	email := fs.String("email", "", "anahtarın sahibi kullanıcının e-postası (zorunlu)")
	name := fs.String("name", "komut satırı", "anahtarın adı")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("--email zorunlu")
	}
	db, err := server.OpenDB(ctx, cfg, false, quietLogger())
	if err != nil {
		return err
	}
	defer db.Close()
	st := cliStore(db.Pool)
	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.DisabledAt != nil) {
		return fmt.Errorf("%s adresiyle aktif bir kullanıcı yok", *email)
	}
	if err != nil {
		return err
	}
	token, prefix, hash := auth.NewToken()
	if _, err := st.CreateToken(ctx, store.Actor{Label: "komut satırı"}, u.ID, *name, prefix, hash); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s için API anahtarı oluşturuldu; yalnızca şimdi gösterilir:\n", u.Email)
	fmt.Fprintln(stdout, token)
	return nil
}

// problemsErr turns field problems into one error of their messages, as
// the forms show them.
func problemsErr(p validate.Problems) error {
	if len(p) == 0 {
		return nil
	}
	msgs := make([]string, len(p))
	for i, x := range p {
		msgs[i] = x.Message
	}
	return errors.New(strings.Join(msgs, " "))
}

// readPassword reads a new password from the first line of stdin, checks
// it as the forms do, and returns its hash.
func readPassword(stdin io.Reader) (string, error) {
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	password = strings.TrimRight(password, "\r\n")
	if err := problemsErr(validate.Password(password, password)); err != nil {
		return "", fmt.Errorf("parola (standart girdiden): %w", err)
	}
	return auth.HashPassword(password)
}

// userPassword is `iysgate user password --email E`: the way back in for
// a user (an Admin too) who lost their password.
func userPassword(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("user password", flag.ContinueOnError)
	cfg.Flags(fs)
	email := fs.String("email", "", "e-posta (zorunlu)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("--email zorunlu")
	}
	hash, err := readPassword(stdin)
	if err != nil {
		return err
	}
	db, err := server.OpenDB(ctx, cfg, false, quietLogger())
	if err != nil {
		return err
	}
	defer db.Close()
	st := cliStore(db.Pool)
	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s adresiyle bir kullanıcı yok", *email)
	}
	if err != nil {
		return err
	}
	if _, err := st.SetPassword(ctx, store.Actor{Label: "komut satırı"}, u.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "parola değiştirildi: %s (açık oturumları kapatıldı)\n", u.Email)
	return nil
}

// cliStore is the store of the commands: they write users, tokens and
// passwords, never consents, so no delivery job is theirs to enqueue; a
// batch one of them might make is left to the running server's sweep.
func cliStore(pool *pgxpool.Pool) *store.Store { return store.New(pool, store.LeftToSweep) }

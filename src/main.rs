fn main() {
    println!("kubeautopsy");
}
